/**
 * Driver adapters for the Prisma CLI (prisma.sqlite.config.ts and
 * prisma.pg.config.ts). Prisma 6.19.3's wasm schema engine needs three fixes
 * on these exact versions; each is written against the public adapter
 * interfaces, scoped to the CLI's own connections, and pinned by a test in
 * prisma-cli-adapters.test.ts that fails once an upgrade makes it
 * unnecessary or breaks it. Runtime code does not use this file.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
} from "@prisma/driver-adapter-utils";
import pg from "pg";

/** better-sqlite3's refusal to prepare a script, as the adapter lets it through. */
export function isMultiStatementError(err: unknown): boolean {
  return err instanceof RangeError && /more than one statement/.test(err.message);
}

/**
 * The engine sends a whole migration.sql through executeRaw, which
 * better-sqlite3 prepares as one statement and rejects (surfacing as P3006).
 * Such parameterless scripts run through executeScript (better-sqlite3's
 * exec) instead; every other error is passed on unchanged.
 */
export function runningScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = async (query: SqlQuery): Promise<number> => {
    try {
      return await adapter.executeRaw(query);
    } catch (err) {
      if (query.args.length > 0 || !isMultiStatementError(err)) throw err;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return { ...delegate(adapter), executeRaw };
}

export function sqliteCliAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  // A fresh checkout has no data directory; without it the engine only says "External error".
  const file = url.replace(/^file:/, "");
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const stock = new PrismaBetterSQLite3({ url, timeout: 15_000 });
  return {
    provider: stock.provider,
    adapterName: stock.adapterName,
    connect: async () => runningScripts(await stock.connect()),
    connectToShadowDb: async () => runningScripts(await stock.connectToShadowDb()),
  };
}

/** PostgreSQL's `char` (18) and `name` (19) types, and `text` (25). */
const CATALOG_STRING_OIDS = new Set([18, 19]);
const TEXT_OID = 25;

function reportCatalogStringsAsText<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of (one as Partial<pg.QueryResult>)?.fields ?? []) {
      if (CATALOG_STRING_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

/** pg.Client with `query` typed as one signature, so a subclass can wrap all its overloads. */
const QueryableClient = pg.Client as unknown as new (config: pg.ClientConfig) => {
  query(...args: unknown[]): unknown;
};

/**
 * adapter-pg 6.19.3 cannot deserialize `name` and `char` columns, which the
 * engine's catalog queries return ("Column type 'name' could not be
 * deserialized"); reporting them as `text` makes them plain strings (pg's
 * parser for both is the text one already). Only the CLI's pools use this
 * client class, through pg-pool's documented `Client` option.
 */
export class CatalogStringsAsTextClient extends QueryableClient {
  override query(...args: unknown[]): unknown {
    const callback = args.at(-1);
    if (typeof callback === "function") {
      const done = (err: unknown, res: unknown) =>
        callback(err, res && reportCatalogStringsAsText(res));
      return super.query(...args.slice(0, -1), done);
    }
    const pending = super.query(...args);
    return pending instanceof Promise ? pending.then(reportCatalogStringsAsText) : pending;
  }
}

function poolFor(url: string, database?: string): pg.Pool {
  const parsed = new URL(url);
  return new pg.Pool({
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: database ?? decodeURIComponent(parsed.pathname.slice(1)),
    allowExitOnIdle: true,
    Client: CatalogStringsAsTextClient as unknown as typeof pg.Client,
  });
}

/**
 * The stock shadow-database factory either reuses the main database (a
 * connectionString overrides its `database`) or cannot drop the shadow
 * database it made (it drops before closing its pool: "being accessed by
 * other users"). This one closes the shadow pool before a forced DROP, so
 * `migrate dev` leaves no prisma_shadow_* databases behind.
 */
export function pgCliAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const main = new PrismaPg(poolFor(url), { disposeExternalPool: true });
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    connectToShadowDb: async () => {
      const admin = await new PrismaPg(poolFor(url), { disposeExternalPool: true }).connect();
      const name = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
      await admin.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg(poolFor(url, name), {
        disposeExternalPool: true,
      }).connect();
      return {
        ...delegate(shadow),
        dispose: async () => {
          await shadow.dispose();
          await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          await admin.dispose();
        },
      };
    },
  };
}

/** The adapter's methods as plain functions, so one can be replaced. */
function delegate(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: (script) => adapter.executeScript(script),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    dispose: () => adapter.dispose(),
    ...(adapter.getConnectionInfo && { getConnectionInfo: () => adapter.getConnectionInfo!() }),
  };
}
