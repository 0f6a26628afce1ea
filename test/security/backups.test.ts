/**
 * A stolen backup must not carry the key to its recipe secrets, and a
 * tampered backup must not be restored. Taken with the real CLI from a real
 * server's data directory while that server answers on 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { testServerDeps } from "@kiln/server/testing/test-server-deps";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const KEY = "0123456789abcdef0123456789abcdef-server-key";

function kiln(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "apps/cli/bin/kiln.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", KILN_LOG_LEVEL: "warn", ...env },
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

describe("backups and the secret key", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "kiln-security-backups-"));
  const dataDir = path.join(root, "data");
  const env = { KILN_DATA_DIR: dataDir };
  let db: Db;
  let server: TApiServer;

  beforeAll(async () => {
    const url = `file:${path.join(dataDir, "kiln.db")}`;
    await migrateDatabase({ url });
    db = createDb({ url });
    const deps = testServerDeps(db, {
      storeDir: path.join(dataDir, "artifacts"),
      config: { secretKey: KEY },
    });
    // As the server generates it when KILN_SECRET_KEY is unset.
    writeFileSync(path.join(dataDir, "secret.key"), `${KEY}\n`, { mode: 0o600 });
    await deps.store.put("builds/b1/image.qcow2", Buffer.from("image bytes"));
    server = await startApiServer({ deps });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    "never puts secret.key into a backup, nor a backup beside it",
    { timeout: 90_000 },
    async () => {
      expect((await fetch(`${server.url}/api/health`)).ok).toBe(true);
      const dir = path.join(root, "backup");
      const made = await kiln(["admin", "backup", dir], env);
      expect(made.code).toBe(0);
      expect(made.stderr).toMatch(/WARNING: this backup does NOT contain the secret key/);
      expect(statSync(dir).mode & 0o077).toBe(0);
      for (const name of readdirSync(dir, { recursive: true }).map(String)) {
        expect(name).not.toMatch(/secret\.key/);
        const file = path.join(dir, name);
        if (statSync(file).isFile()) expect(readFileSync(file).includes(KEY)).toBe(false);
      }
      // Inside the data directory the dump would sit next to the key.
      const beside = await kiln(["admin", "backup", path.join(dataDir, "backups")], env);
      expect(beside.code).toBe(2);
      expect(beside.stderr).toMatch(/inside the data directory \(it holds secret.key\)/);
    },
  );

  it("refuses to restore a backup whose files were changed", { timeout: 90_000 }, async () => {
    const dir = path.join(root, "tampered");
    expect((await kiln(["admin", "backup", dir], env)).code).toBe(0);
    const artifact = path.join(dir, "artifacts", "builds", "b1", "image.qcow2");
    writeFileSync(artifact, "a different image");
    const restored = await kiln(["admin", "restore", "--force", dir], env);
    expect(restored.code).toBe(2);
    expect(restored.stderr).toMatch(/artifacts\/builds\/b1\/image.qcow2 is damaged/);
  });
});
