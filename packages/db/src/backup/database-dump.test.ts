import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../client.ts";
import { DatabaseBackupError, DatabaseNotEmptyError } from "../errors.ts";
import { migrateDatabase } from "../migrate.ts";
import { testProviders, type TTestDatabase } from "../testing/create-test-database.ts";
import { holdDatabase } from "../testing/database-holder.ts";
import {
  dumpDatabase,
  dumpFileName,
  knownMigrations,
  restoreDatabase,
  type TDatabaseDumpOptions,
} from "./database-dump.ts";
import { parseToolVersion, toolConnection } from "./pg-tools.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
const pgTools = { env: process.env };
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-dump-test-"));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function database(provider: (typeof providers)[number]): Promise<TTestDatabase> {
  const made = await provider.create();
  cleanup.push(() => made.drop());
  return made;
}

/** A database at the newest migration, without rows. */
async function migrated(provider: (typeof providers)[number]): Promise<TTestDatabase> {
  const made = await database(provider);
  await migrateDatabase({ url: made.url });
  return made;
}

/** A migrated database with one user and one team. */
async function seeded(provider: (typeof providers)[number]): Promise<TTestDatabase> {
  const made = await migrated(provider);
  const db = createDb({ url: made.url });
  try {
    const user = await db.prisma.user.create({ data: { email: "ops@test", role: "admin" } });
    const team = await db.prisma.team.create({ data: { slug: "ops", name: "Ops" } });
    await db.prisma.membership.create({
      data: { userId: user.id, teamId: team.id, role: "maintainer" },
    });
  } finally {
    await db.close();
  }
  return made;
}

function options(url: string, file: string): TDatabaseDumpOptions {
  return { url, file, pgTools };
}

/** The dump file of a freshly seeded database. */
async function seededDump(provider: (typeof providers)[number]): Promise<string> {
  const source = await seeded(provider);
  const file = path.join(tempDir(), dumpFileName(provider.provider));
  await dumpDatabase(options(source.url, file));
  return file;
}

for (const provider of providers) {
  if (provider.skipReason)
    console.log(`database dumps on ${provider.provider} skipped: ${provider.skipReason}`);
  describe.skipIf(!!provider.skipReason)(`database dumps on ${provider.provider}`, () => {
    it("dumps a database with its migrations and row counts, and restores it into an empty one", async () => {
      const source = await seeded(provider);
      const file = path.join(tempDir(), dumpFileName(provider.provider));
      const dump = await dumpDatabase(options(source.url, file));
      expect(dump.provider).toBe(provider.provider);
      expect(dump.migrations).toEqual(knownMigrations(provider.provider));
      expect(dump.counts).toMatchObject({ User: 1, Team: 1, Membership: 1, Build: 0 });
      expect(Object.keys(dump.counts)).not.toContain("_prisma_migrations");
      // The manifest lists counts in one order whatever the database's collation.
      expect(Object.keys(dump.counts)).toEqual(Object.keys(dump.counts).sort());

      const target = await database(provider);
      await restoreDatabase({ ...options(target.url, file), force: false });
      const db = createDb({ url: target.url });
      try {
        expect(await db.prisma.user.findMany({ select: { email: true } })).toEqual([
          { email: "ops@test" },
        ]);
        expect(await db.prisma.membership.count()).toBe(1);
      } finally {
        await db.close();
      }
      // Restored at the dump's level: nothing left to apply.
      expect((await migrateDatabase({ url: target.url })).applied).toEqual([]);
    });

    it("refuses a database that holds rows unless forced, then replaces its contents", async () => {
      const file = await seededDump(provider);

      const target = await seeded(provider);
      const db = createDb({ url: target.url });
      await db.prisma.team.create({ data: { slug: "extra", name: "Extra" } });
      await db.close();
      const refused = restoreDatabase({ ...options(target.url, file), force: false });
      await expect(refused).rejects.toThrow(DatabaseNotEmptyError);
      await expect(refused).rejects.toThrow(/not empty \(4 rows\).*--force/);

      await restoreDatabase({ ...options(target.url, file), force: true });
      const after = createDb({ url: target.url });
      try {
        expect((await after.prisma.team.findMany()).map((team) => team.slug)).toEqual(["ops"]);
      } finally {
        await after.close();
      }
    });

    it("counts a migrated database without rows as empty", async () => {
      const file = await seededDump(provider);
      const target = await migrated(provider);
      await restoreDatabase({ ...options(target.url, file), force: false });
      const db = createDb({ url: target.url });
      try {
        expect(await db.prisma.user.count()).toBe(1);
      } finally {
        await db.close();
      }
    });

    it("never leaves a connected server on a database it no longer sees", async () => {
      const file = await seededDump(provider);
      const target = await migrated(provider);
      // Another process, as a server is: SQLite's locks are per process.
      const server = await holdDatabase(target.url);
      try {
        const restoring = restoreDatabase({ ...options(target.url, file), force: true });
        if (provider.provider === "postgresql") {
          // Its tables would be dropped under it: refused.
          await expect(restoring).rejects.toThrow(/stop the Kiln server before restoring/);
          expect(await server.countTeams()).toBe(0);
        } else {
          // The copy is written into the open file in one transaction: the server reads it.
          await restoring;
          expect(await server.countTeams()).toBe(1);
        }
      } finally {
        await server.close();
      }
    });
  });
}

describe("SQLite dumps", () => {
  it("are one self-contained file, readable without its -wal", async () => {
    const source = await seeded(providers[0]!);
    const dir = tempDir();
    const file = path.join(dir, "database.sqlite");
    await dumpDatabase(options(source.url, file));
    expect(readdirSync(dir)).toEqual(["database.sqlite"]);
  });

  it("refuse a missing source database", async () => {
    const dir = tempDir();
    await expect(
      dumpDatabase(options(`file:${path.join(dir, "absent.db")}`, path.join(dir, "out"))),
    ).rejects.toThrow(DatabaseBackupError);
    expect(existsSync(path.join(dir, "out"))).toBe(false);
  });
});

const pg = providers[1]!;
describe.skipIf(!!pg.skipReason)("pg_dump checks", () => {
  /** A bin directory whose pg_dump prints `version` and fails otherwise. */
  function fakeBinDir(version: string): string {
    const dir = tempDir();
    const script = path.join(dir, "pg_dump");
    writeFileSync(script, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
    chmodSync(script, 0o755);
    return dir;
  }

  it("names a missing pg_dump and where it was looked for", async () => {
    const source = await seeded(pg);
    const binDir = tempDir();
    const file = path.join(tempDir(), "database.pgdump");
    await expect(
      dumpDatabase({ url: source.url, file, pgTools: { env: process.env, binDir } }),
    ).rejects.toThrow(new RegExp(`pg_dump not found in ${binDir}: install PostgreSQL's client`));
    expect(existsSync(file)).toBe(false);
  });

  it("refuses a pg_dump older than the server", async () => {
    const source = await seeded(pg);
    const file = path.join(tempDir(), "database.pgdump");
    const binDir = fakeBinDir("9.6.24");
    await expect(
      dumpDatabase({ url: source.url, file, pgTools: { env: process.env, binDir } }),
    ).rejects.toThrow(/^pg_dump 9\.6 is older than the PostgreSQL server \(\d+\.\d+\)/);
  });
});

describe("PostgreSQL tool helpers", () => {
  it("reads tool versions", () => {
    expect(parseToolVersion("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n")).toEqual({
      major: 15,
      version: "15.18",
    });
    expect(parseToolVersion("pg_restore (PostgreSQL) 17beta1")).toEqual({
      major: 17,
      version: "17",
    });
    expect(parseToolVersion("something else")).toBeNull();
  });

  it("takes the password out of the URL the tools see", () => {
    expect(toolConnection("postgresql://kiln:p%40ss@db:5432/kiln?sslmode=require")).toEqual({
      url: "postgresql://kiln@db:5432/kiln?sslmode=require",
      password: "p@ss",
    });
    expect(toolConnection("postgresql://db/kiln").password).toBeUndefined();
  });
});
