import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg, { type Client } from "pg";
import type { Logger } from "@kiln/contracts/logger";
import { MigrationError } from "./errors.ts";
import { planMigrations, type TAppliedRow, type TMigration } from "./read-migrations.ts";

/**
 * The advisory-lock key Prisma's schema engine takes, so it and we exclude
 * each other (prisma-internals.test.ts finds it in the engine).
 */
export const PRISMA_LOCK_KEY = 72707369;

/** The table as Prisma's schema engine creates it (found there by the same test). */
export const PRISMA_MIGRATIONS_TABLE_PG = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

const createTable = PRISMA_MIGRATIONS_TABLE_PG.replace(
  "CREATE TABLE",
  "CREATE TABLE IF NOT EXISTS",
);

/**
 * Applies pending migrations under a session advisory lock, one transaction
 * per migration (PostgreSQL DDL is transactional, so a failure leaves no
 * trace). A second server waits for the lock, then finds nothing pending.
 */
export async function migratePg(
  url: string,
  migrations: TMigration[],
  logger: Logger,
  lockTimeoutMs: number,
): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  // An idle client's socket error must not crash the process.
  client.on("error", (err) => logger.warn("migration connection error", { err: err.message }));
  try {
    await client.connect();
  } catch (err) {
    throw new MigrationError(undefined, `cannot connect to PostgreSQL: ${String(err)}`, {
      cause: err,
    });
  }
  const applied: string[] = [];
  try {
    await acquireLock(client, lockTimeoutMs, logger);
    await client.query(createTable);
    const { rows } = await client.query<TAppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const plan = planMigrations(migrations, rows);
    if (plan.modified.length)
      logger.warn("applied migrations changed since", { migrations: plan.modified });
    if (plan.unknown.length)
      logger.warn("database has migrations this build lacks", { migrations: plan.unknown });
    for (const m of plan.pending) {
      const t0 = Date.now();
      try {
        await client.query("BEGIN");
        const started = new Date();
        // No values: pg uses the simple protocol, which runs the whole script.
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, $4, 1)`,
          [randomUUID(), m.checksum, m.name, started],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        const detail = err instanceof Error ? err.message : String(err);
        throw new MigrationError(m.name, `${detail} (rolled back)`, { cause: err });
      }
      logger.info("applied migration", { migration: m.name, ms: Date.now() - t0 });
      applied.push(m.name);
    }
  } finally {
    // Closing the session releases the advisory lock as well.
    await client.end().catch(() => {});
  }
  return applied;
}

async function acquireLock(client: Client, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let logged = false;
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      PRISMA_LOCK_KEY,
    ]);
    if (rows[0]?.ok) return;
    if (Date.now() > deadline) {
      throw new MigrationError(
        undefined,
        `another process has held the migration lock (pg_advisory_lock ${PRISMA_LOCK_KEY}) for over ${timeoutMs} ms`,
      );
    }
    if (!logged) logger.info("waiting for another process to finish migrating");
    logged = true;
    await sleep(200);
  }
}
