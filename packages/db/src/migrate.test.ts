import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "./client.ts";
import { MigrationError } from "./errors.ts";
import { migrateDatabase } from "./migrate.ts";
import {
  defaultPrismaDir,
  migrationsDirFor,
  planMigrations,
  readMigrations,
} from "./read-migrations.ts";
import { testProviders, type TTestDatabase } from "./testing/create-test-database.ts";

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
for (const p of providers)
  if (p.skipReason) console.log(`@kiln/db: ${p.provider} tests skipped: ${p.skipReason}`);

/** Runs the real Prisma CLI's `migrate status` against the database. */
function prismaStatus(db: TTestDatabase): Promise<{ code: number; out: string }> {
  const sqlite = db.provider === "sqlite";
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    [sqlite ? "KILN_SQLITE_URL" : "KILN_PG_URL"]: db.url,
  };
  const args = ["migrate", "status", "--config", `prisma.${sqlite ? "sqlite" : "pg"}.config.ts`];
  return runInPackage(path.join(pkgDir, "../../node_modules/.bin/prisma"), args, env);
}

/** Runs a command in packages/db; resolves with its exit code and stdout and stderr together. */
function runInPackage(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: pkgDir, env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** A copy of prisma/ whose migrations a test may extend. */
function copyPrismaDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-prisma-"));
  cpSync(defaultPrismaDir, dir, { recursive: true });
  return dir;
}

function addMigration(prismaDir: string, provider: string, name: string, sql: string): void {
  const dir = path.join(prismaDir, provider === "sqlite" ? "sqlite" : "pg", "migrations", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
}

describe.each(providers)("migrateDatabase on $provider", ({ provider, skipReason, create }) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function fresh(): Promise<TTestDatabase> {
    const db = await create();
    cleanup.push(() => db.drop());
    return db;
  }
  const expected = readMigrations(migrationsDirFor(provider), provider);

  it.skipIf(skipReason)(
    "applies every migration to an empty database, then is a no-op",
    async () => {
      const db = await fresh();
      const first = await migrateDatabase({ url: db.url });
      expect(first.applied).toEqual(expected.map((m) => m.name));
      const second = await migrateDatabase({ url: db.url });
      expect(second.applied).toEqual([]);

      const client = createDb({ url: db.url });
      cleanup.push(() => client.close());
      const rows = await client.prisma.$queryRawUnsafe<
        { migration_name: string; checksum: string; n: unknown }[]
      >(
        `SELECT migration_name, checksum, applied_steps_count AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
      );
      expect(rows.map((r) => [r.migration_name, r.checksum, Number(r.n)])).toEqual(
        expected.map((m) => [m.name, m.checksum, 1]),
      );
      expect(await client.prisma.build.count()).toBe(0);
    },
  );

  it.skipIf(skipReason)("keeps _prisma_migrations as the Prisma CLI reads it", async () => {
    const db = await fresh();
    await migrateDatabase({ url: db.url });
    const after = await prismaStatus(db);
    expect(after.out).toContain("Database schema is up to date");
    expect(after.code).toBe(0);
  });

  it.skipIf(skipReason)(
    "rolls back a failing migration and names it; fixed, it applies",
    async () => {
      const db = await fresh();
      const prismaDir = copyPrismaDir();
      cleanup.push(() => rmSync(prismaDir, { recursive: true, force: true }));
      await migrateDatabase({ url: db.url, prismaDir });
      const bad = `CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);\n`;
      addMigration(prismaDir, provider, "29990101000000_extra", bad);
      const err = await migrateDatabase({ url: db.url, prismaDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(
        /^migration 29990101000000_extra: .*NoSuchTable.*rolled back/,
      );

      const client = createDb({ url: db.url });
      cleanup.push(() => client.close());
      // The CREATE TABLE before the failure was rolled back with it.
      await expect(client.prisma.$queryRawUnsafe(`SELECT * FROM "Extra"`)).rejects.toThrow();
      addMigration(
        prismaDir,
        provider,
        "29990101000000_extra",
        `CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n`,
      );
      expect((await migrateDatabase({ url: db.url, prismaDir })).applied).toEqual([
        "29990101000000_extra",
      ]);
      expect(await client.prisma.$queryRawUnsafe(`SELECT * FROM "Extra"`)).toEqual([]);
    },
  );

  it.skipIf(skipReason)("has migrations that build exactly the rendered schema", async () => {
    const which = provider === "sqlite" ? "sqlite" : "pg";
    const env = { ...process.env, KILN_PG_URL: process.env.KILN_TEST_DATABASE_URL ?? "" };
    const result = await runInPackage("bash", ["scripts/diff-migrations.sh", "check", which], env);
    expect(result.out).toContain(`${which} migrations match`);
    expect(result.code).toBe(0);
  });

  it.skipIf(skipReason)("lets only one of several concurrent starts apply", async () => {
    const db = await fresh();
    const results = await Promise.all([1, 2, 3].map(() => migrateDatabase({ url: db.url })));
    expect(results.flatMap((r) => r.applied)).toEqual(expected.map((m) => m.name));
    const client = createDb({ url: db.url });
    cleanup.push(() => client.close());
    const rows = await client.prisma.$queryRawUnsafe<unknown[]>(
      `SELECT id FROM "_prisma_migrations"`,
    );
    expect(rows).toHaveLength(expected.length);
  });
});

describe("migrateDatabase on sqlite across processes", () => {
  it("applies each migration exactly once, in order, when several server processes start together", async () => {
    const db = await providers[0]!.create();
    try {
      const script = path.join(path.dirname(db.url.slice("file:".length)), "child.mts");
      writeFileSync(
        script,
        `import { migrateDatabase } from ${JSON.stringify(path.join(pkgDir, "src/migrate.ts"))};\n` +
          // A start barrier, so the processes race rather than run in turn.
          `await new Promise((r) => setTimeout(r, Number(process.argv[2]) - Date.now()));\n` +
          `const r = await migrateDatabase({ url: ${JSON.stringify(db.url)} });\n` +
          `console.log(JSON.stringify(r.applied));\n`,
      );
      const run = () =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", script, String(startAt)], {
            cwd: pkgDir,
          });
          let out = "";
          let err = "";
          child.stdout.on("data", (d) => (out += d));
          child.stderr.on("data", (d) => (err += d));
          child.on("close", (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err)),
          );
        });
      const startAt = Date.now() + 2000;
      const results = await Promise.all([run(), run(), run()]);
      const expected = readMigrations(migrationsDirFor("sqlite"), "sqlite").map((m) => m.name);
      // Each migration is its own write transaction, so processes may share the
      // work (one applies the first, another the rest); none applies one twice,
      // and each applies its share in order.
      expect([...results.flat()].sort()).toEqual([...expected].sort());
      for (const r of results) expect(r).toEqual([...r].sort());
      const client = createDb({ url: db.url });
      try {
        const rows = await client.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
          `SELECT migration_name FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
        );
        expect(rows.map((r) => r.migration_name)).toEqual(expected);
      } finally {
        await client.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe("migrations directory checks", () => {
  it("refuses a migrations directory locked to the other provider", () => {
    expect(() => readMigrations(migrationsDirFor("postgresql"), "sqlite")).toThrow(
      /migration_lock\.toml: provider is "postgresql", not "sqlite"/,
    );
  });

  it("reads checksums as Prisma does: sha256 of the file's bytes", () => {
    const [first] = readMigrations(migrationsDirFor("sqlite"), "sqlite");
    const bytes = readFileSync(path.join(migrationsDirFor("sqlite"), first!.name, "migration.sql"));
    expect(first!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(first!.sql).toBe(bytes.toString("utf8"));
  });

  it("refuses to go on after a half-applied migration (Prisma's P3009)", () => {
    const migrations = readMigrations(migrationsDirFor("sqlite"), "sqlite");
    const row = {
      migration_name: migrations[0]!.name,
      checksum: "x",
      finished_at: null,
      rolled_back_at: null,
    };
    expect(() => planMigrations(migrations, [row])).toThrow(/failed earlier.*migrate resolve/);
    const rolledBack = { ...row, rolled_back_at: new Date() };
    expect(planMigrations(migrations, [rolledBack]).pending).toHaveLength(migrations.length);
  });
});
