import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, readDashboardEnv } from "./env.ts";
import { loadSecretKey } from "./server/load-secret-key.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "kiln-env-"));

describe("readDashboardEnv", () => {
  it("defaults to SQLite in the data dir on 127.0.0.1:3000 and keeps a generated secret", () => {
    const dir = tmp();
    const env = readDashboardEnv({ KILN_DATA_DIR: "data" }, dir);
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.databaseUrl).toBe(`file:${path.join(dir, "data", "kiln.db")}`);
    expect(env.artifactStore).toEqual({
      kind: "directory",
      root: path.join(dir, "data", "artifacts"),
    });
    expect(env.publicUrl).toBe("http://127.0.0.1:3000");
    expect(env.KILN_KEEP_BUILDS).toBe(10);
    // Parsing writes nothing; start-up generates the key.
    expect(existsSync(env.secretKeyFile)).toBe(false);
    const key = loadSecretKey(env);
    expect(key.secretKeySource).toBe("generated");
    expect(statSync(env.secretKeyFile).mode & 0o777).toBe(0o600);
    // The second start reads the same key back.
    const again = loadSecretKey(readDashboardEnv({ KILN_DATA_DIR: "data" }, dir));
    expect(again.secretKeySource).toBe("file");
    expect(again.secretKey).toBe(key.secretKey);
    expect(readFileSync(env.secretKeyFile, "utf8").trim()).toBe(key.secretKey);
  });

  it("takes DATABASE_URL, the public URL and treats empty variables as unset", () => {
    const env = readDashboardEnv(
      {
        KILN_DATA_DIR: tmp(),
        DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/kiln",
        KILN_PUBLIC_URL: "https://kiln.example.com/",
        KILN_SECRET_KEY: "a long enough passphrase",
        PORT: "",
      },
      "/",
    );
    expect(env.databaseUrl).toBe("postgresql://u:p@127.0.0.1:5432/kiln");
    expect(env.publicUrl).toBe("https://kiln.example.com");
    expect(loadSecretKey(env)).toEqual({
      secretKey: "a long enough passphrase",
      secretKeySource: "env",
    });
    expect(env.PORT).toBe(3000);
  });

  it.each([
    [{ PORT: "http" }, /^environment variable PORT: /],
    [{ PORT: "70000" }, /^environment variable PORT: /],
    [{ DATABASE_URL: "mysql://x/y" }, /^environment variable DATABASE_URL: expected postgresql/],
    [{ KILN_ADMIN_EMAIL: "not-an-email" }, /^environment variable KILN_ADMIN_EMAIL: /],
    [{ KILN_ADMIN_PASSWORD: "long enough pw" }, /^environment variable KILN_ADMIN_EMAIL: required/],
    [{ KILN_KEEP_BUILDS: "0" }, /^environment variable KILN_KEEP_BUILDS: /],
    [{ KILN_S3_BUCKET: "images" }, /KILN_S3_ACCESS_KEY_ID: required with KILN_S3_BUCKET/],
    [
      { KILN_S3_BUCKET: "images", KILN_S3_ACCESS_KEY_ID: "k" },
      /KILN_S3_SECRET_ACCESS_KEY: required with KILN_S3_BUCKET/,
    ],
    [{ KILN_SECRET_KEY: "short" }, /^environment variable KILN_SECRET_KEY: at least 16/],
  ])("names the bad variable: %j", (vars, message) => {
    expect(() => readDashboardEnv({ KILN_DATA_DIR: tmp(), ...vars }, "/")).toThrow(EnvError);
    expect(() => readDashboardEnv({ KILN_DATA_DIR: tmp(), ...vars }, "/")).toThrow(message);
  });
});
