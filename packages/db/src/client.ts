/**
 * `createDb({ url })`: a Prisma client for SQLite or PostgreSQL, chosen by the
 * URL. Both generated clients have the same model API, so the result is typed
 * as the SQLite client and services are written once.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { sqliteAdapterFactory } from "./configure-sqlite-connection.ts";
import { PrismaClient as PgPrismaClient } from "./generated/pg/client.ts";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.ts";
import { parseDatabaseUrl, type TDbProvider } from "./parse-database-url.ts";

export { Prisma } from "./generated/sqlite/client.ts";
export type * from "./generated/sqlite/models.ts";
export { parseDatabaseUrl, type TDbProvider, type TDatabaseTarget } from "./parse-database-url.ts";

/** The client type services are written against (identical for PostgreSQL). */
export type DbClient = SqlitePrismaClient;

export interface TCreateDbOptions {
  /** `file:/path/kiln.db` (SQLite) or `postgresql://user:pass@host:5432/db`. */
  url: string;
  /** Resolves relative `file:` paths; defaults to process.cwd(). */
  cwd?: string;
  /** Milliseconds SQLite waits on a locked database before failing (default 15000). */
  sqliteBusyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` pragma. `normal` (default) with WAL never corrupts
   * the database and loses nothing when the process dies; a power cut may drop
   * the last commits. `full` fsyncs every commit (~5 ms each here), which
   * blocks a server ingesting hundreds of log chunks a second.
   */
  sqliteSynchronous?: "normal" | "full";
  /** Maximum PostgreSQL pool connections (default: pg's 10). */
  pgPoolMax?: number;
}

export interface Db {
  prisma: DbClient;
  provider: TDbProvider;
  /** Disconnects the client and closes the pool or file. */
  close(): Promise<void>;
}

export function createDb(opts: TCreateDbOptions): Db {
  const target = parseDatabaseUrl(opts.url, opts.cwd);
  let prisma: DbClient;
  if (target.provider === "sqlite") {
    mkdirSync(path.dirname(target.file), { recursive: true });
    const adapter = sqliteAdapterFactory({
      file: target.file,
      timeout: opts.sqliteBusyTimeoutMs ?? 15_000,
      synchronous: opts.sqliteSynchronous === "full" ? "FULL" : "NORMAL",
    });
    prisma = new SqlitePrismaClient({ adapter });
  } else {
    const adapter = new PrismaPg({
      connectionString: target.url,
      ...(opts.pgPoolMax ? { max: opts.pgPoolMax } : {}),
    });
    prisma = asDbClient(new PgPrismaClient({ adapter }));
  }
  return {
    prisma,
    provider: target.provider,
    close: () => prisma.$disconnect(),
  };
}

/**
 * Types the PostgreSQL client as the SQLite one. Both are generated from the
 * same model text (scripts/sync-schemas.ts), so their model APIs match, but
 * TypeScript cannot relate two separately generated namespaces (the
 * aggregate and extension types are deep conditional types), and the
 * clients do differ in what no service uses: PostgreSQL's extra isolation
 * levels and `mode: "insensitive"`. client.test.ts checks that both clients
 * carry the same models and fields, and runs every model test on both.
 */
function asDbClient(client: PgPrismaClient): DbClient {
  return client as unknown as DbClient;
}

/** True for a unique-constraint violation (P2002), on either database. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "P2002";
}
