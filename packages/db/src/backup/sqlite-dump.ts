/**
 * SQLite side of database backups: a consistent copy taken with SQLite's
 * online backup API while the server keeps writing, and a restore through the
 * same API.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { DatabaseBackupError, DatabaseNotEmptyError } from "../errors.ts";
import { dataRows, type TDatabaseContents } from "./database-contents.ts";

/** Pages per backup step: all of them, so the copy is one read transaction (one snapshot). */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the database at `file` to `dest` (which must not exist). The backup
 * API reads under one read transaction: in WAL mode writers go on meanwhile,
 * and the copy holds exactly the commits made before it started. Copying all
 * pages in one step matters: between smaller steps another connection's write
 * would restart the copy, and a busy server could keep restarting it.
 */
export async function dumpSqlite(file: string, dest: string): Promise<TDatabaseContents> {
  if (!existsSync(file)) throw new DatabaseBackupError(`${file}: no SQLite database there`);
  // Read-write: opening a WAL database read-only fails when its -shm file is missing.
  const source = new Database(file, { fileMustExist: true, timeout: 15_000 });
  try {
    await source.backup(dest, { progress: () => ALL_PAGES });
  } catch (err) {
    rmSync(dest, { force: true });
    throw new DatabaseBackupError(`${file}: SQLite backup failed: ${String(err)}`, { cause: err });
  } finally {
    source.close();
  }
  chmodSync(dest, 0o600);
  const copy = new Database(dest, { fileMustExist: true });
  try {
    // The copy inherits WAL mode; a single self-contained file is what a backup should be.
    copy.pragma("journal_mode = DELETE");
    const check = copy.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new DatabaseBackupError(`${dest}: copy fails integrity_check`);
    return describeSqlite(copy);
  } finally {
    copy.close();
  }
}

/**
 * Writes the dump into the database at `target`, refused when the target
 * holds rows (unless `force`). The copy goes through SQLite's backup API into
 * the target itself (not a file renamed over it), as one write transaction:
 * a process that still has the database open sees the old contents or the
 * restored ones, never a mix, and never keeps writing to a replaced file.
 */
export async function restoreSqlite(
  dump: string,
  target: string,
  opts: { force: boolean },
): Promise<void> {
  const existed = existsSync(target);
  if (existed) {
    const rows = totalRows(target);
    if (rows > 0 && !opts.force) throw new DatabaseNotEmptyError(rows, target);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const source = new Database(dump, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target, { progress: () => ALL_PAGES });
  } catch (err) {
    throw new DatabaseBackupError(`${target}: SQLite restore failed: ${String(err)}`, {
      cause: err,
    });
  } finally {
    source.close();
  }
  // It holds password hashes and encrypted secrets: a new file is the owner's only.
  if (!existed) chmodSync(target, 0o600);
}

/** Rows of data in the database's own tables (the migration table and seeded rows do not count). */
function totalRows(file: string): number {
  const db = new Database(file, { fileMustExist: true, timeout: 15_000 });
  try {
    return dataRows(describeSqlite(db).counts);
  } finally {
    db.close();
  }
}

function describeSqlite(db: Database.Database): TDatabaseContents {
  const tables = (
    db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
  const counts: Record<string, number> = {};
  let migrations: string[] = [];
  for (const table of tables) {
    if (table === "_prisma_migrations") {
      migrations = (
        db
          .prepare(
            `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
          )
          .all() as { migration_name: string }[]
      ).map((row) => row.migration_name);
      continue;
    }
    const row = db.prepare(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`).get() as {
      n: number;
    };
    counts[table] = row.n;
  }
  return { migrations, counts };
}
