/**
 * Errors thrown by @kiln/db (exported as `@kiln/db/errors`, so callers test
 * them with instanceof). All are KilnErrors so transports map them by
 * code; messages are one line naming the culprit (URL, migration, key).
 */
import { KilnError } from "@kiln/contracts/errors";

/** Thrown when a database URL is neither `file:<path>` nor `postgresql://…`. */
export class DatabaseUrlError extends KilnError {
  constructor(url: string, detail: string) {
    super("USAGE", `database URL '${redactUrl(url)}': ${detail}`);
  }
}

/**
 * Thrown when migrations cannot be applied: a migration's SQL failed (its
 * transaction was rolled back, so fixing the cause and restarting is safe), an
 * earlier `prisma migrate deploy` left a failed row, the migrations directory
 * is unreadable, or another process held the migration lock too long.
 */
export class MigrationError extends KilnError {
  constructor(
    readonly migration: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("HOST", migration ? `migration ${migration}: ${detail}` : detail, options);
  }
}

/** Thrown when an artifact key is empty, absolute, or escapes the store. */
export class ArtifactKeyError extends KilnError {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super("USAGE", `artifact key '${key}': ${detail}`);
  }
}

/** Thrown by `put` when the content does not hash to the expected sha256; nothing is stored. */
export class ArtifactIntegrityError extends KilnError {
  constructor(
    readonly key: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(
      "USAGE",
      `artifact '${key}': content sha256 ${actual} does not match expected ${expected}`,
    );
  }
}

/** Thrown by `get` when no artifact is stored under the key. */
export class ArtifactNotFoundError extends KilnError {
  constructor(readonly key: string) {
    super("USAGE", `artifact '${key}' not found`);
  }
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

/**
 * Thrown when a database cannot be dumped or restored: a PostgreSQL client
 * tool is missing or too old, a tool failed (its message follows), or the
 * database is in use by another process.
 */
export class DatabaseBackupError extends KilnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("HOST", message, options);
  }
}

/** Thrown when a restore would overwrite a database that holds rows, without `force`. */
export class DatabaseNotEmptyError extends KilnError {
  constructor(
    readonly rows: number,
    where: string,
  ) {
    super(
      "USAGE",
      `${where} is not empty (${rows} rows): restore only into an empty database, ` +
        "or pass --force to replace its contents",
    );
  }
}
