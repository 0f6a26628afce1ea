/**
 * Throwaway databases for tests (here and in the dashboard's createCaller
 * tests): a SQLite file in a temp dir, or a `kiln_test_<random>` database on
 * the PostgreSQL server of an admin URL (KILN_TEST_DATABASE_URL in tests).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TDbProvider } from "../parse-database-url.ts";

export interface TTestDatabase {
  provider: TDbProvider;
  /** URL for createDb / migrateDatabase. */
  url: string;
  /** Removes the database (PostgreSQL: forcibly, even with open connections). */
  drop(): Promise<void>;
}

export interface TCreateTestDatabaseOptions {
  provider: TDbProvider;
  /** PostgreSQL only: a URL whose user may CREATE DATABASE. */
  adminUrl?: string;
}

export async function createTestDatabase(opts: TCreateTestDatabaseOptions): Promise<TTestDatabase> {
  if (opts.provider === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-db-test-"));
    return {
      provider: "sqlite",
      url: "file:" + path.join(dir, "kiln.db"),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!opts.adminUrl) throw new Error("createTestDatabase: PostgreSQL needs adminUrl");
  const name = `kiln_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(opts.adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(opts.adminUrl);
  url.pathname = "/" + name;
  return {
    provider: "postgresql",
    url: url.toString(),
    drop: () => adminQuery(opts.adminUrl!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TTestProvider {
  provider: TDbProvider;
  /** Why the provider's tests are skipped, or null when they run. */
  skipReason: string | null;
  /** Creates a fresh database of this provider. */
  create(): Promise<TTestDatabase>;
}

/**
 * SQLite always; PostgreSQL when `adminUrl` (KILN_TEST_DATABASE_URL) is a
 * postgresql:// URL. Use with describe.each and it.skipIf(skipReason).
 */
export function testProviders(adminUrl: string | undefined): TTestProvider[] {
  const pgOk = !!adminUrl && /^postgres(ql)?:\/\//.test(adminUrl);
  return [
    {
      provider: "sqlite",
      skipReason: null,
      create: () => createTestDatabase({ provider: "sqlite" }),
    },
    {
      provider: "postgresql",
      skipReason: pgOk
        ? null
        : "KILN_TEST_DATABASE_URL is not set to a postgresql:// URL " +
          "(packages/db/scripts/ci-postgres.sh prints one)",
      create: () => createTestDatabase({ provider: "postgresql", adminUrl }),
    },
  ];
}
