// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for pg/better-sqlite3 must reach every tsconfig that compiles this source
/// <reference path="../src/vendor-types.d.ts" />
/**
 * Driver adapters for the Prisma CLI (prisma.sqlite.config.ts and
 * prisma.pg.config.ts), with the fixes prisma 6.19.3's wasm schema engine needs
 * on these exact versions (see docs/stack-notes: Prisma 1b). Runtime code does
 * not use this file: it patches library internals for the CLI process only.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlQuery } from "@prisma/driver-adapter-utils";
import pg, { type PoolConfig, type Result } from "pg";

/**
 * The engine sends a whole migration.sql through executeRaw, which
 * better-sqlite3 prepares as one statement and rejects ("contains more than
 * one statement", surfacing as P3006). Parameterless SQL falls back to exec().
 */
function multiStatementSafe(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query: SqlQuery) => {
    try {
      return await executeRaw(query);
    } catch (err) {
      if (query.args.length > 0) throw err;
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
  return adapter;
}

export function sqliteCliAdapter(url: string): PrismaBetterSQLite3 {
  // A fresh checkout has no data directory; without it the engine only says "External error".
  const file = url.replace(/^file:/, "");
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const factory = new PrismaBetterSQLite3({ url, timeout: 15_000 });
  const connect = factory.connect.bind(factory);
  const shadow = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => multiStatementSafe(await connect());
  factory.connectToShadowDb = async () => multiStatementSafe(await shadow());
  return factory;
}

/**
 * adapter-pg 6.19.3 cannot deserialize OID 19 (`name`) and 18 (`char`), which
 * the engine's catalog queries return ("Column type 'name' could not be
 * deserialized"); reporting them as 25 (`text`) makes them plain strings.
 */
export function patchPgNameColumns(): void {
  const proto = pg.Result.prototype as Result & { kilnPatched?: boolean };
  if (proto.kilnPatched) return;
  const addFields = proto.addFields;
  proto.addFields = function (fields) {
    for (const f of fields) if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = 25;
    return addFields.call(this, fields);
  };
  proto.kilnPatched = true;
}

function poolConfig(url: string, database?: string): PoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? decodeURIComponent(u.pathname.slice(1)),
    allowExitOnIdle: true,
  };
}

/**
 * The stock shadow-database factory either reuses the main database (with a
 * connectionString) or cannot drop the shadow database it made ("being
 * accessed by other users"). This one closes the shadow pool before a forced
 * DROP, so `migrate dev` leaves no prisma_shadow_* databases behind.
 */
export function pgCliAdapter(url: string): PrismaPg {
  const factory = new PrismaPg(poolConfig(url));
  factory.connectToShadowDb = async () => {
    const main = await factory.connect();
    const name = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
    await main.executeScript(`CREATE DATABASE "${name}"`);
    const shadow = await new PrismaPg(poolConfig(url, name)).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  };
  return factory;
}
