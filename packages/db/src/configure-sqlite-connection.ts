import type { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

type TSqliteConnection = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;

/** A better-sqlite3 handle as far as this module touches it. */
interface TPreparer {
  prepare(sql: string): unknown;
}

/**
 * Per-connection SQLite settings the adapter has no option for:
 * - `synchronous` (see TCreateDbOptions.sqliteSynchronous);
 * - write transactions start with BEGIN IMMEDIATE. The adapter's plain BEGIN
 *   is deferred: a transaction that reads, then writes, while another process
 *   (a CLI command, a test seeding the server's file) has written meanwhile
 *   fails at once with "database is locked" — SQLite cannot wait there without
 *   risking a deadlock. IMMEDIATE takes the write lock up front, where the
 *   busy timeout applies. Every interactive transaction Kiln runs writes.
 * The adapter (pinned with Prisma 6.19.3) begins with `client.prepare("BEGIN")`;
 * if a later version stops doing so, the swap is refused loudly at connect.
 */
export async function configureSqliteConnection(
  conn: TSqliteConnection,
  synchronous: "NORMAL" | "FULL",
): Promise<void> {
  await conn.executeRaw({ sql: `PRAGMA synchronous = ${synchronous}`, args: [], argTypes: [] });
  const client = (conn as unknown as { client?: TPreparer }).client;
  if (!client || typeof client.prepare !== "function") {
    throw new Error("@prisma/adapter-better-sqlite3 changed: no client.prepare to begin with");
  }
  const prepare = client.prepare.bind(client);
  client.prepare = (sql: string) => prepare(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql);
}
