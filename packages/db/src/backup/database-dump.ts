/**
 * `@kiln/db/database-dump`: one file holding a consistent copy of the
 * server's database, and putting it back. SQLite is copied with its online
 * backup API (WAL-safe while the server runs); PostgreSQL is dumped with
 * pg_dump's custom format and restored with pg_restore. The backup service
 * (in @kiln/server) adds the artifacts, the manifest and the checksums.
 */
import { migrationsDirFor, readMigrations } from "../read-migrations.ts";
import { parseDatabaseUrl, type TDbProvider } from "../parse-database-url.ts";
import type { TDatabaseContents } from "./database-contents.ts";
import { dumpPg, restorePg } from "./pg-dump.ts";
import type { TPgToolOptions } from "./pg-tools.ts";
import { dumpSqlite, restoreSqlite } from "./sqlite-dump.ts";

export { DatabaseBackupError, DatabaseNotEmptyError } from "../errors.ts";
export type { TDatabaseContents } from "./database-contents.ts";
export type { TPgToolOptions } from "./pg-tools.ts";

export interface TDatabaseDumpOptions {
  /** The database, as for createDb: `file:…` or `postgresql://…`. */
  url: string;
  /** The dump file. */
  file: string;
  /** Resolves a relative `file:` URL; default process.cwd(). */
  cwd?: string;
  /** PostgreSQL only: pg_dump/pg_restore's directory and environment. */
  pgTools?: TPgToolOptions;
}

export interface TDatabaseDump extends TDatabaseContents {
  provider: TDbProvider;
  /** PostgreSQL: the server's version, e.g. `15.18`. */
  serverVersion?: string;
  /** PostgreSQL: e.g. `pg_dump 15.18`. */
  dumpedWith?: string;
}

/** The dump's file name in a backup, by provider. */
export function dumpFileName(provider: TDbProvider): string {
  return provider === "sqlite" ? "database.sqlite" : "database.pgdump";
}

/** The database's provider, from its URL. */
export function databaseProvider(url: string, cwd?: string): TDbProvider {
  return parseDatabaseUrl(url, cwd).provider;
}

/** Writes a consistent copy of the database to `opts.file` (which must not exist). */
export async function dumpDatabase(opts: TDatabaseDumpOptions): Promise<TDatabaseDump> {
  const target = parseDatabaseUrl(opts.url, opts.cwd);
  if (target.provider === "sqlite") {
    return sorted<TDatabaseDump>({
      provider: "sqlite",
      ...(await dumpSqlite(target.file, opts.file)),
    });
  }
  const dumped = await dumpPg(target.url, opts.file, opts.pgTools ?? { env: {} });
  return sorted<TDatabaseDump>({ provider: "postgresql", ...dumped });
}

/**
 * Replaces the database with the dump. Refused when the database holds rows
 * (unless `force`), and on PostgreSQL while other clients are connected. Apply migrations afterwards: the
 * dump may be older than this build.
 */
export async function restoreDatabase(
  opts: TDatabaseDumpOptions & { force: boolean },
): Promise<void> {
  const target = parseDatabaseUrl(opts.url, opts.cwd);
  if (target.provider === "sqlite") {
    await restoreSqlite(opts.file, target.file, { force: opts.force });
    return;
  }
  await restorePg(opts.file, target.url, { ...(opts.pgTools ?? { env: {} }), force: opts.force });
}

/** The names of the migrations this build knows, in apply order. */
export function knownMigrations(provider: TDbProvider, prismaDir?: string): string[] {
  return readMigrations(migrationsDirFor(provider, prismaDir), provider).map((m) => m.name);
}

function sorted<T extends TDatabaseContents>(dump: T): T {
  const counts = Object.fromEntries(
    Object.entries(dump.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { ...dump, counts };
}
