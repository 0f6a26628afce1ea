/**
 * The slices of `pg` and `better-sqlite3` that @kiln/db calls. Neither ships
 * its own types and @types/pg / @types/better-sqlite3 are not installed; if
 * they are added later, delete this file.
 */

declare module "pg" {
  export interface PoolConfig {
    connectionString?: string;
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
    max?: number;
    /** Let the process exit while idle clients remain in the pool. */
    allowExitOnIdle?: boolean;
    ssl?: unknown;
  }
  export interface FieldDef {
    name: string;
    dataTypeID: number;
  }
  export interface QueryResult<R = Record<string, unknown>> {
    rows: R[];
    rowCount: number | null;
    fields: FieldDef[];
  }
  export class Client {
    constructor(config?: string | PoolConfig);
    connect(): Promise<void>;
    /** Without values pg uses the simple protocol, which runs several statements. */
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: "error", listener: (err: Error) => void): this;
  }
  export class Pool {
    constructor(config?: PoolConfig);
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    readonly options: PoolConfig;
  }
  export class Result {
    addFields(fields: FieldDef[]): void;
  }
  const pg: { Client: typeof Client; Pool: typeof Pool; Result: typeof Result };
  export default pg;
}

declare module "better-sqlite3" {
  declare namespace Database {
    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      /** Milliseconds to wait on a locked database before SQLITE_BUSY. */
      timeout?: number;
    }
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
    }
    interface Database {
      readonly inTransaction: boolean;
      exec(sql: string): this;
      prepare(sql: string): Statement;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      close(): this;
    }
  }
  declare const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export = Database;
}
