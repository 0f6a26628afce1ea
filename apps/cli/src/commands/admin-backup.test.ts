import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnKiln as kiln } from "../testing/spawn-kiln.ts";

const root = mkdtempSync(path.join(os.tmpdir(), "kiln-admin-backup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("kiln admin backup and restore (SQLite, directory store)", () => {
  const dataDir = path.join(root, "data");
  const env = { KILN_DATA_DIR: dataDir };
  const key = "a generated secret key of enough length";

  // Spawns the CLI several times: slow on a loaded host.
  it(
    "backs up without the key, warns loudly, refuses damage and restores after a wipe",
    { timeout: 120_000 },
    async () => {
      const made = await kiln(
        [
          "admin",
          "create-user",
          "--email",
          "ops@example.com",
          "--role",
          "admin",
          "--password-stdin",
        ],
        env,
        "a long enough password\n",
      );
      expect(made.code).toBe(0);
      writeFileSync(path.join(dataDir, "secret.key"), `${key}\n`, { mode: 0o600 });

      const backupDir = path.join(root, "backup");
      const backup = await kiln(["admin", "backup", backupDir], env);
      expect(backup.stderr).toContain("WARNING: this backup does NOT contain the secret key");
      expect(backup.stderr).toContain(path.join(dataDir, "secret.key"));
      expect(backup).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(
          /^backup written to .*\n {2}database: sqlite, schema \d+_\w+, 0 builds, 0 log chunks, 1 users/,
        ),
      });
      expect(readdirSync(backupDir).sort()).toEqual(["database.sqlite", "manifest.json"]);
      expect(readFileSync(path.join(backupDir, "database.sqlite")).includes(key)).toBe(false);

      // The server's database holds rows: a restore over it needs --force.
      const over = await kiln(["admin", "restore", backupDir], env);
      expect(over.code).toBe(2);
      expect(over.stderr).toMatch(/is not empty \(\d+ rows\).*--force/);

      const damaged = path.join(root, "damaged");
      expect((await kiln(["admin", "backup", damaged], env)).code).toBe(0);
      const dump = path.join(damaged, "database.sqlite");
      const bytes = readFileSync(dump);
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
      writeFileSync(dump, bytes);
      const refused = await kiln(["admin", "restore", "--verify-only", damaged], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/database.sqlite is damaged .*nothing was restored/);

      rmSync(dataDir, { recursive: true, force: true });
      const restored = await kiln(["admin", "restore", backupDir], env);
      expect(restored).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^restored .*\n {2}database: sqlite.* 1 users/),
      });
      expect(restored.stderr).toContain("Start the server with the SAME secret key");
      expect(existsSync(path.join(dataDir, "secret.key"))).toBe(false);
      const token = await kiln(
        ["admin", "create-token", "--user", "ops@example.com", "--name", "ci"],
        env,
      );
      expect(token.code).toBe(0);
    },
  );
});
