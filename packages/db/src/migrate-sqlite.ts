import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "@kiln/contracts/logger";
import { MigrationError } from "./errors.ts";
import { planMigrations, type TAppliedRow, type TMigration } from "./read-migrations.ts";

/**
 * The table exactly as Prisma's schema engine creates it, so `prisma migrate
 * status` and `deploy` read our rows and we read theirs
 * (prisma-internals.test.ts finds this text in the engine).
 */
export const PRISMA_MIGRATIONS_TABLE_SQLITE = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);`;

const createTable = PRISMA_MIGRATIONS_TABLE_SQLITE.replace(
  "CREATE TABLE",
  "CREATE TABLE IF NOT EXISTS",
);

/** Prisma's format for these columns: `2026-11-30T09:38:55.634+00:00`. */
const now = () => new Date().toISOString().replace(/Z$/, "+00:00");

/**
 * Applies pending migrations one transaction each. `BEGIN IMMEDIATE` takes the
 * database's write lock before the table is read, so processes starting at the
 * same time take turns (busy timeout): each applies the next migration still
 * pending when it gets the lock. Every migration is applied once, in order,
 * though two processes may share the work.
 */
export function migrateSqlite(
  file: string,
  migrations: TMigration[],
  logger: Logger,
  busyTimeoutMs: number,
): string[] {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: busyTimeoutMs });
  const applied: string[] = [];
  try {
    try {
      // Persistent per file: readers no longer block the writer at runtime.
      db.pragma("journal_mode = WAL");
    } catch (err) {
      logger.warn("could not switch SQLite to WAL", { file, err: String(err) });
    }
    // With foreign keys on, the DROP TABLE in a table redefinition deletes
    // rows through ON DELETE CASCADE. The pragma is a no-op inside a
    // transaction, hence here; foreign_key_check below catches real breakage.
    db.pragma("foreign_keys = OFF");
    for (;;) {
      const next = applyNext(db, migrations, logger);
      if (!next) break;
      applied.push(next);
    }
  } finally {
    db.close();
  }
  return applied;
}

function applyNext(db: Database.Database, migrations: TMigration[], logger: Logger): string | null {
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (err) {
    throw new MigrationError(undefined, `could not lock the SQLite database: ${String(err)}`, {
      cause: err,
    });
  }
  let current: TMigration | undefined;
  try {
    db.exec(createTable);
    const rows = db
      .prepare(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
      )
      .all() as TAppliedRow[];
    const plan = planMigrations(migrations, rows);
    if (plan.modified.length)
      logger.warn("applied migrations changed since", { migrations: plan.modified });
    if (plan.unknown.length)
      logger.warn("database has migrations this build lacks", { migrations: plan.unknown });
    current = plan.pending[0];
    if (!current) {
      db.exec("COMMIT");
      return null;
    }
    const started = now();
    const t0 = Date.now();
    db.exec(current.sql);
    const violations = db.prepare("PRAGMA foreign_key_check").all();
    if (violations.length > 0) {
      throw new Error(
        `leaves ${violations.length} foreign key violation(s), e.g. ${JSON.stringify(violations[0])}`,
      );
    }
    db.prepare(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
    ).run(randomUUID(), current.checksum, now(), current.name, started);
    db.exec("COMMIT");
    logger.info("applied migration", { migration: current.name, ms: Date.now() - t0 });
    return current.name;
  } catch (err) {
    if (db.inTransaction) db.exec("ROLLBACK");
    if (err instanceof MigrationError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new MigrationError(current?.name, `${detail} (rolled back)`, { cause: err });
  }
}
