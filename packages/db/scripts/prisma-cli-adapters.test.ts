import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isMultiStatementError, pgCliAdapter, sqliteCliAdapter } from "./prisma-cli-adapters.ts";
import { LONG_TIMER_MS, unrefLongTimers } from "./unref-timers.ts";

// Each fix in prisma-cli-adapters.ts / unref-timers.ts works around a
// behaviour of Prisma 6.19.3. The "still needed" tests pin that behaviour:
// when an upgrade changes it, they fail, and the fix should go (or change).
const adminUrl = process.env.KILN_TEST_DATABASE_URL;
const pgSkip = !adminUrl?.match(/^postgres(ql)?:\/\//);
if (pgSkip)
  console.log("prisma-cli-adapters: PostgreSQL tests skipped: KILN_TEST_DATABASE_URL unset");

const script = { sql: "CREATE TABLE a (x); CREATE TABLE b (y)", args: [], argTypes: [] };
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const scratchDb = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-cli-adapter-"));
  dirs.push(dir);
  return `file:${path.join(dir, "k.db")}`;
};

describe("SQLite migration scripts through executeRaw", () => {
  it("still needed: the stock adapter refuses a script", async () => {
    const adapter = await new PrismaBetterSQLite3({ url: scratchDb() }).connect();
    const err = await adapter.executeRaw(script).catch((e: unknown) => e);
    await adapter.dispose();
    expect(isMultiStatementError(err)).toBe(true);
  });

  it("runs it, on the main and the shadow database, and passes other errors on", async () => {
    const factory = sqliteCliAdapter(scratchDb());
    for (const adapter of [await factory.connect(), await factory.connectToShadowDb()]) {
      expect(await adapter.executeRaw(script)).toBe(0);
      const tables = await adapter.queryRaw({
        sql: "SELECT name FROM sqlite_master ORDER BY name",
        args: [],
        argTypes: [],
      });
      expect(tables.rows).toEqual([["a"], ["b"]]);
      await expect(adapter.executeRaw({ ...script, sql: "CREATE TABLE a (x)" })).rejects.toThrow();
      await adapter.dispose();
    }
  });
});

describe.skipIf(pgSkip)("PostgreSQL catalog columns (name, char)", () => {
  const catalogQuery = {
    sql: "SELECT 'kiln'::name AS n, 'k'::\"char\" AS c",
    args: [],
    argTypes: [],
  };

  it("still needed: the stock adapter cannot read them", async () => {
    const adapter = await new PrismaPg({ connectionString: adminUrl }).connect();
    try {
      await expect(adapter.queryRaw(catalogQuery)).rejects.toThrow();
    } finally {
      await adapter.dispose();
    }
  });

  it("reads them as text, inside and outside transactions", async () => {
    const adapter = await pgCliAdapter(adminUrl!).connect();
    try {
      expect((await adapter.queryRaw(catalogQuery)).rows).toEqual([["kiln", "k"]]);
      const tx = await adapter.startTransaction();
      expect((await tx.queryRaw(catalogQuery)).rows).toEqual([["kiln", "k"]]);
      await tx.rollback();
    } finally {
      await adapter.dispose();
    }
  });
});

describe.skipIf(pgSkip)("the PostgreSQL shadow database", () => {
  async function shadowDatabases(): Promise<string[]> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'",
      );
      return rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  }

  it("is a database of its own, dropped on dispose", async () => {
    const before = await shadowDatabases();
    const shadow = await pgCliAdapter(adminUrl!).connectToShadowDb();
    const current = await shadow.queryRaw({
      sql: "SELECT current_database()",
      args: [],
      argTypes: [],
    });
    const name = String(current.rows[0]?.[0]);
    expect(name).toMatch(/^prisma_shadow_/);
    expect(await shadowDatabases()).toContain(name);
    await shadow.dispose();
    expect(await shadowDatabases()).toEqual(before);
  });
});

describe("the wasm engine's long timers", () => {
  it("still needed: the engine's glue arms them through the global setTimeout", () => {
    const cli = readFileSync(
      createRequire(import.meta.url).resolve("prisma/build/index.js"),
      "utf8",
    );
    expect(cli).toMatch(/function \w+\(e,r\)\{return setTimeout\(e,r>>>0\)\}/);
  });

  it("are unref'd, while short ones keep the process alive", () => {
    unrefLongTimers();
    const long = setTimeout(() => {}, LONG_TIMER_MS);
    const short = setTimeout(() => {}, 10);
    try {
      expect(long.hasRef()).toBe(false);
      expect(short.hasRef()).toBe(true);
    } finally {
      clearTimeout(long);
      clearTimeout(short);
    }
  });
});
