import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MigrationError } from "./errors.ts";
import type { TDbProvider } from "./parse-database-url.ts";

export interface TMigration {
  /** Directory name, e.g. `20261130000000_init`: Prisma's migration_name. */
  name: string;
  sql: string;
  /** sha256 (hex) of migration.sql's bytes, as Prisma stores it. */
  checksum: string;
}

/** prisma/ at the repository root, found from this file's location. */
export const defaultPrismaDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../prisma",
);

export function migrationsDirFor(provider: TDbProvider, prismaDir = defaultPrismaDir): string {
  return path.join(prismaDir, provider === "sqlite" ? "sqlite" : "pg", "migrations");
}

/**
 * Lists a Prisma migrations directory in apply order (names sorted by byte,
 * as Prisma does), after checking migration_lock.toml names the provider.
 */
export function readMigrations(dir: string, provider: TDbProvider): TMigration[] {
  if (!existsSync(dir)) throw new MigrationError(undefined, `${dir}: migrations directory missing`);
  const lockFile = path.join(dir, "migration_lock.toml");
  if (existsSync(lockFile)) {
    const locked = /^\s*provider\s*=\s*"([^"]+)"/m.exec(readFileSync(lockFile, "utf8"))?.[1];
    if (locked && locked !== provider) {
      throw new MigrationError(
        undefined,
        `${lockFile}: provider is "${locked}", not "${provider}"`,
      );
    }
  }
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const file = path.join(dir, name, "migration.sql");
    if (!existsSync(file)) throw new MigrationError(name, `${file} missing`);
    const bytes = readFileSync(file);
    return {
      name,
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    };
  });
}

/** One row of `_prisma_migrations`, as far as deciding what to apply needs. */
export interface TAppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * Splits migrations into pending ones, given the table's rows. A row that
 * started but neither finished nor was rolled back is a failed
 * `prisma migrate deploy`: like Prisma (P3009), refuse to go on.
 */
export function planMigrations(
  migrations: TMigration[],
  rows: TAppliedRow[],
): { pending: TMigration[]; modified: string[]; unknown: string[] } {
  const failed = rows.find((r) => r.finished_at == null && r.rolled_back_at == null);
  if (failed) {
    throw new MigrationError(
      failed.migration_name,
      "failed earlier and was left half-applied; fix the database, then run " +
        "`prisma migrate resolve --rolled-back` or `--applied` with that name",
    );
  }
  const applied = new Map(
    rows.filter((r) => r.rolled_back_at == null).map((r) => [r.migration_name, r.checksum]),
  );
  const known = new Set(migrations.map((m) => m.name));
  return {
    pending: migrations.filter((m) => !applied.has(m.name)),
    modified: migrations
      .filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum)
      .map((m) => m.name),
    unknown: [...applied.keys()].filter((n) => !known.has(n)),
  };
}
