import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type BetterSqlite3 from "better-sqlite3";

export interface TSqliteAdapterOptions {
  /** Absolute path of the database file. */
  file: string;
  /** Milliseconds to wait on a locked database before failing. */
  timeout: number;
  synchronous: "NORMAL" | "FULL";
  /** better-sqlite3's statement trace (tests read which BEGIN a transaction runs). */
  verbose?: (sql?: unknown) => void;
}

/** The statement the adapter begins every transaction with. */
export const ADAPTER_BEGIN = "BEGIN";

/**
 * A driver-adapter factory for Kiln's SQLite connections: the stock adapter,
 * with per-connection settings it has no option for applied before any query:
 * - `synchronous` (see TCreateDbOptions.sqliteSynchronous);
 * - write transactions start with BEGIN IMMEDIATE (see beginImmediate).
 * Written against the public SqlDriverAdapterFactory interface, so Prisma
 * sees an ordinary adapter factory.
 */
export function sqliteAdapterFactory(opts: TSqliteAdapterOptions): SqlDriverAdapterFactory {
  const stock = new PrismaBetterSQLite3({
    url: opts.file,
    timeout: opts.timeout,
    ...(opts.verbose ? { verbose: opts.verbose } : {}),
  });
  return {
    provider: stock.provider,
    adapterName: stock.adapterName,
    connect: async () => {
      const adapter = await stock.connect();
      await adapter.executeRaw({
        sql: `PRAGMA synchronous = ${opts.synchronous}`,
        args: [],
        argTypes: [],
      });
      beginImmediate(adapter);
      return adapter;
    },
  };
}

/**
 * Makes the adapter's transactions begin IMMEDIATE. Its plain BEGIN is
 * deferred: a transaction that reads, then writes, while another process (a
 * CLI command, a test seeding the server's file) has written meanwhile fails
 * at once with "database is locked" (SQLite cannot wait there without risking
 * a deadlock). IMMEDIATE takes the write lock up front, where the busy timeout
 * applies. Every interactive transaction Kiln runs writes.
 *
 * Neither the adapter nor better-sqlite3 has an option for this (better-sqlite3's
 * `transaction().immediate` wraps synchronous functions only, and Prisma's
 * transactions are asynchronous), so this rewrites the adapter's
 * `client.prepare("BEGIN")`: its better-sqlite3 handle is the untyped
 * `client` field. configure-sqlite-connection.test.ts checks both the stock
 * adapter's statement and the rewrite, so an upgrade that changes either fails
 * there; a missing field is refused here, at connect.
 */
export function beginImmediate(adapter: SqlDriverAdapter): void {
  const client = (adapter as unknown as { client?: Partial<BetterSqlite3.Database> }).client;
  if (!client || typeof client.prepare !== "function") {
    throw new Error("@prisma/adapter-better-sqlite3 changed: no client.prepare to begin with");
  }
  const prepare = client.prepare.bind(client);
  client.prepare = ((sql: string) =>
    prepare(sql === ADAPTER_BEGIN ? "BEGIN IMMEDIATE" : sql)) as typeof client.prepare;
}
