import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { createDb } from "./client.ts";
import { ADAPTER_BEGIN, sqliteAdapterFactory } from "./configure-sqlite-connection.ts";

const pkgDir = path.resolve(import.meta.dirname, "..");

/** Another process writing a row to `file`; resolves with its exit code once it is done. */
function writeFromAnotherProcess(file: string, onReady: () => void): Promise<number | null> {
  const script = `
    const Database = require("better-sqlite3");
    const db = new Database(${JSON.stringify(file)}, { timeout: 20000 });
    process.stdout.write("ready\\n");
    db.prepare("INSERT INTO t (who) VALUES ('other')").run();
    db.close();
  `;
  const child = spawn(process.execPath, ["-e", script], { cwd: pkgDir, stdio: "pipe" });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  child.stdout.on("data", (d: Buffer) => {
    if (d.toString().includes("ready")) onReady();
  });
  return new Promise((resolve) =>
    child.on("close", (code) => {
      if (code !== 0) console.error(err);
      resolve(code);
    }),
  );
}

describe("SQLite write transactions", () => {
  it("take the write lock at BEGIN, so a read-then-write transaction waits out another process", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-begin-"));
    const file = path.join(dir, "k.db");
    const db = createDb({ url: `file:${file}` });
    try {
      await db.prisma.$executeRawUnsafe("PRAGMA journal_mode = WAL");
      await db.prisma.$executeRawUnsafe("CREATE TABLE t (who TEXT)");
      let other: Promise<number | null> | undefined;
      await db.prisma.$transaction(async (tx) => {
        await tx.$queryRawUnsafe("SELECT count(*) FROM t");
        // The other process writes while this transaction is open. With a deferred BEGIN it
        // commits first and this transaction's write below fails at once ("database is
        // locked"); with BEGIN IMMEDIATE it waits for this one to commit.
        await new Promise<void>((ready) => {
          other = writeFromAnotherProcess(file, ready);
        });
        await new Promise((r) => setTimeout(r, 300));
        await tx.$executeRawUnsafe("INSERT INTO t (who) VALUES ('mine')");
      });
      expect(await other).toBe(0);
      const rows = await db.prisma.$queryRawUnsafe<{ who: string }[]>(
        "SELECT who FROM t ORDER BY rowid",
      );
      expect(rows.map((r) => r.who)).toEqual(["mine", "other"]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The statements better-sqlite3 ran while one adapter transaction began and rolled back. */
async function statementsOfOneTransaction(
  connect: (
    file: string,
    verbose: (sql?: unknown) => void,
  ) => Promise<{
    startTransaction(): Promise<{ executeRaw(q: object): Promise<number> }>;
    dispose(): Promise<void>;
  }>,
): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-begin-"));
  const seen: string[] = [];
  try {
    const adapter = await connect(path.join(dir, "k.db"), (sql) => seen.push(String(sql)));
    const tx = await adapter.startTransaction();
    await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] });
    await adapter.dispose();
    return seen;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the BEGIN rewrite", () => {
  // If this fails after a Prisma upgrade, the adapter no longer begins with
  // client.prepare("BEGIN"): beginImmediate's rewrite would silently stop.
  it("relies on the stock adapter beginning with exactly ADAPTER_BEGIN", async () => {
    const seen = await statementsOfOneTransaction((file, verbose) =>
      new PrismaBetterSQLite3({ url: file, verbose }).connect(),
    );
    expect(seen).toContain(ADAPTER_BEGIN);
  });

  it("turns it into BEGIN IMMEDIATE on Kiln's connections", async () => {
    const seen = await statementsOfOneTransaction((file, verbose) =>
      sqliteAdapterFactory({ file, timeout: 1000, synchronous: "NORMAL", verbose }).connect(),
    );
    expect(seen).toContain("BEGIN IMMEDIATE");
    expect(seen).not.toContain(ADAPTER_BEGIN);
  });
});
