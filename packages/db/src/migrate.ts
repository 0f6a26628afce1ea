/**
 * `migrateDatabase({ url })`: applies pending Prisma migrations at server
 * start without the Prisma CLI (which needs a wasm engine, patched adapters
 * and seconds of start-up). It reads prisma/<provider>/migrations in order and
 * keeps `_prisma_migrations` in Prisma's own format, so `prisma migrate
 * status` and `deploy` agree with it.
 */
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { migratePg } from "./migrate-pg.ts";
import { migrateSqlite } from "./migrate-sqlite.ts";
import { parseDatabaseUrl, type TDbProvider } from "./parse-database-url.ts";
import { migrationsDirFor, readMigrations } from "./read-migrations.ts";

export { MigrationError } from "./errors.ts";

export interface TMigrateOptions {
  /** Same URL as `createDb`: `file:/path/kiln.db` or `postgresql://…`. */
  url: string;
  logger?: Logger;
  /**
   * The repository's `prisma/` directory (holding sqlite/ and pg/). Defaults
   * to the one beside this package; set it where sources are bundled.
   */
  prismaDir?: string;
  /** Resolves relative `file:` paths; defaults to process.cwd(). */
  cwd?: string;
  /** How long to wait for another process that is migrating (default 60000 ms). */
  lockTimeoutMs?: number;
}

export interface TMigrateResult {
  provider: TDbProvider;
  /** Migrations applied by this call, in order; empty when up to date. */
  applied: string[];
  /** All migrations known to this build. */
  total: number;
}

export async function migrateDatabase(opts: TMigrateOptions): Promise<TMigrateResult> {
  const logger = opts.logger ?? silentLogger;
  const lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  const target = parseDatabaseUrl(opts.url, opts.cwd);
  const migrations = readMigrations(
    migrationsDirFor(target.provider, opts.prismaDir),
    target.provider,
  );
  const applied =
    target.provider === "sqlite"
      ? migrateSqlite(target.file, migrations, logger, lockTimeoutMs)
      : await migratePg(target.url, migrations, logger, lockTimeoutMs);
  logger.info(applied.length ? "database migrated" : "database up to date", {
    provider: target.provider,
    applied: applied.length,
    total: migrations.length,
  });
  return { provider: target.provider, applied, total: migrations.length };
}
