import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { afterAll, describe, expect, it } from "vitest";
import { hashSecret } from "@kiln/server/services/auth/secrets";
import { serverStorageFrom } from "../server-config.ts";
import { spawnKiln as kiln } from "../testing/spawn-kiln.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("serverStorageFrom", () => {
  it("uses DATABASE_URL, else SQLite in the data directory, and names a bad URL", () => {
    expect(serverStorageFrom({}, "/srv")).toEqual({
      provider: "sqlite",
      databaseUrl: "file:/srv/data/kiln.db",
      dataDir: "/srv/data",
      artifactStore: { kind: "directory", root: "/srv/data/artifacts" },
    });
    expect(serverStorageFrom({ KILN_DATA_DIR: "/var/lib/kiln" }, "/srv").databaseUrl).toBe(
      "file:/var/lib/kiln/kiln.db",
    );
    expect(
      serverStorageFrom({ DATABASE_URL: "postgresql://k:pw@db:5432/kiln" }, "/srv").provider,
    ).toBe("postgresql");
    expect(() => serverStorageFrom({ DATABASE_URL: "mysql://k:secret@db/kiln" })).toThrow(
      /^DATABASE_URL: /,
    );
    expect(() => serverStorageFrom({ DATABASE_URL: "mysql://k:secret@db/kiln" })).not.toThrow(
      /secret/,
    );
  });

  it("opens the artifact store the server uses: KILN_ARTIFACTS_DIR, or S3 when a bucket is set", () => {
    expect(serverStorageFrom({ KILN_ARTIFACTS_DIR: "blobs" }, "/srv").artifactStore).toEqual({
      kind: "directory",
      root: "/srv/blobs",
    });
    const s3 = { KILN_S3_BUCKET: "images", KILN_S3_ACCESS_KEY_ID: "k" };
    expect(() => serverStorageFrom(s3, "/srv")).toThrow(
      /^environment variable KILN_S3_SECRET_ACCESS_KEY: /,
    );
    expect(
      serverStorageFrom({ ...s3, KILN_S3_SECRET_ACCESS_KEY: "s" }, "/srv").artifactStore,
    ).toMatchObject({ kind: "s3", options: { bucket: "images", region: "us-east-1" } });
  });
});

describe("kiln admin (bin/kiln.js)", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "kiln-admin-cli-"));
  dirs.push(dataDir);
  const env = { KILN_DATA_DIR: dataDir };

  // Spawns the CLI (several at once): slow on a loaded 2-core host.
  it(
    "creates a user from a piped password, then a token printed alone on stdout",
    { timeout: 90_000 },
    async () => {
      const made = await kiln(
        [
          "admin",
          "create-user",
          "--email",
          "Ops@Example.com",
          "--role",
          "admin",
          "--password-stdin",
        ],
        env,
        "a long enough password\n",
      );
      expect(made).toMatchObject({ code: 0, stdout: "created admin ops@example.com\n" });
      expect(made.stderr).not.toContain("a long enough password");

      const tok = await kiln(
        ["admin", "create-token", "--user", "ops@example.com", "--name", "ci", "--scopes", "read"],
        env,
      );
      expect(tok.code).toBe(0);
      expect(tok.stdout).toMatch(/^kiln_[0-9A-Za-z]{40}\n$/);

      const db = createDb({ url: `file:${path.join(dataDir, "kiln.db")}` });
      try {
        const user = await db.prisma.user.findUniqueOrThrow({
          where: { email: "ops@example.com" },
        });
        expect(user.role).toBe("admin");
        expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
        const row = await db.prisma.apiToken.findFirstOrThrow({ where: { userId: user.id } });
        expect(row).toMatchObject({
          name: "ci",
          scopes: "read",
          tokenHash: hashSecret(tok.stdout.trim()),
        });
        const audit = await db.prisma.auditEvent.findMany({ orderBy: { at: "asc" } });
        expect(audit.map((a) => a.action)).toEqual(["user.create", "token.create"]);
        expect(audit.every((a) => a.actorId === null && a.details.includes('"via":"host"'))).toBe(
          true,
        );
        expect(audit.map((a) => a.details).join()).not.toContain(tok.stdout.trim());
      } finally {
        await db.close();
      }
    },
  );

  // Spawns the CLI (several at once): slow on a loaded 2-core host.
  it("refuses bad input with one line naming the flag", { timeout: 90_000 }, async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [
        ["admin", "create-user", "--email", "ops@example.com", "--password-stdin"],
        "another password",
        /--email: a user with email ops@example.com already exists/,
      ],
      [
        ["admin", "create-user", "--email", "x@example.com", "--role", "root", "--password-stdin"],
        "a long enough password",
        /--role: 'root' is not admin or user/,
      ],
      [["admin", "create-user", "--email", "x@example.com"], undefined, /--password-stdin/],
      [
        ["admin", "create-user", "--email", "x@example.com", "--password-stdin"],
        "short\n",
        /at least 10 characters/,
      ],
      [
        ["admin", "create-user", "--email", "x@example.com", "--password-stdin"],
        "",
        /standard input was empty/,
      ],
      [
        ["admin", "create-token", "--user", "nobody@example.com", "--name", "n"],
        undefined,
        /--user: no user has the email nobody@example.com/,
      ],
      [
        [
          "admin",
          "create-token",
          "--user",
          "ops@example.com",
          "--name",
          "n",
          "--scopes",
          "read,root",
        ],
        undefined,
        /--scopes: unknown scope 'root'/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args, stdin]) => kiln(args, env, stdin)));
    for (const [i, [args, , message]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  // Spawns the CLI (several at once): slow on a loaded 2-core host.
  it("names DATABASE_URL when it is not a database URL", { timeout: 90_000 }, async () => {
    const r = await kiln(["admin", "create-token", "--user", "a@example.com", "--name", "n"], {
      ...env,
      DATABASE_URL: "mysql://root:hunter2@db/kiln",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kiln: DATABASE_URL: database URL /);
    expect(r.stderr).not.toContain("hunter2");
  });
});
