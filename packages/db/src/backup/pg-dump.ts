/**
 * PostgreSQL side of database backups: pg_dump in its custom format under a
 * snapshot the manifest's row counts are read from too, and pg_restore into
 * an empty database.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import pg, { type Client } from "pg";
import { DatabaseBackupError, DatabaseNotEmptyError } from "../errors.ts";
import { dataRows, type TDatabaseContents } from "./database-contents.ts";
import { pgToolVersion, runPgTool, type TPgToolOptions } from "./pg-tools.ts";

export interface TPgDumpResult extends TDatabaseContents {
  /** e.g. `15.18`. */
  serverVersion: string;
  /** e.g. `pg_dump 15.18`. */
  dumpedWith: string;
}

/**
 * Dumps the database at `url` to `dest` (pg_dump's custom format, which
 * pg_restore reads). The counts and migrations are read in a REPEATABLE READ
 * transaction whose snapshot pg_dump then uses, so they describe exactly the
 * dumped data even while the server writes.
 */
export async function dumpPg(
  url: string,
  dest: string,
  tools: TPgToolOptions,
): Promise<TPgDumpResult> {
  const client = await connect(url);
  try {
    const server = await serverVersion(client);
    const tool = await pgToolVersion("pg_dump", tools);
    if (tool.major < server.major) {
      throw new DatabaseBackupError(
        `pg_dump ${tool.version} is older than the PostgreSQL server (${server.version}): ` +
          `install the client tools of version ${server.major} or newer, ` +
          "or name their directory in KILN_PG_BIN_DIR",
      );
    }
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    const contents = await describePg(client);
    // Written by us (mode 0600, must not exist) rather than by pg_dump's --file.
    const out = createWriteStream(dest, { flags: "wx", mode: 0o600 });
    try {
      await runPgTool("pg_dump", ["--format=custom", `--snapshot=${rows[0]!.id}`], {
        ...tools,
        url,
        stdout: out,
      });
    } catch (err) {
      out.destroy();
      await rm(dest, { force: true });
      throw err;
    }
    await client.query("COMMIT");
    return { ...contents, serverVersion: server.version, dumpedWith: `pg_dump ${tool.version}` };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Restores a custom-format dump into the database at `url`. Refused when the
 * database holds rows (unless `force`) or other clients are connected (a
 * running server). Kiln's database is its own (see parseDatabaseUrl), so the
 * tables already in its schema are dropped first; pg_restore then runs as
 * one transaction, owned by the restoring user.
 */
export async function restorePg(
  dump: string,
  url: string,
  tools: TPgToolOptions & { force: boolean },
): Promise<void> {
  const client = await connect(url);
  try {
    const database = (await client.query<{ db: string }>("SELECT current_database() AS db"))
      .rows[0]!.db;
    const { counts } = await describePg(client);
    const rows = dataRows(counts);
    if (rows > 0 && !tools.force) throw new DatabaseNotEmptyError(rows, `database ${database}`);
    await requireNoOtherClients(client, database);
    // Found before anything is dropped.
    await pgToolVersion("pg_restore", tools);
    const tables = await listTables(client);
    if (tables.length > 0) {
      await client.query(`DROP TABLE ${tables.map(quoteIdent).join(", ")} CASCADE`);
    }
  } finally {
    await client.end().catch(() => {});
  }
  await runPgTool(
    "pg_restore",
    ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", dump],
    { ...tools, url },
  );
}

async function connect(url: string): Promise<Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseBackupError(`cannot connect to PostgreSQL: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return client;
}

async function serverVersion(client: Client): Promise<{ major: number; version: string }> {
  const { rows } = await client.query<{ num: string; text: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text",
  );
  const num = Number(rows[0]!.num);
  return { major: Math.floor(num / 10_000), version: rows[0]!.text.split(" ")[0]! };
}

async function requireNoOtherClients(client: Client, database: string): Promise<void> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  const others = Number(rows[0]!.n);
  if (others > 0) {
    throw new DatabaseBackupError(
      `database ${database} has ${others} other connection(s): stop the Kiln server before restoring`,
    );
  }
}

async function listTables(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((row) => row.name);
}

/** Migrations and row counts of the database `client` is connected to. */
async function describePg(client: Client): Promise<TDatabaseContents> {
  const counts: Record<string, number> = {};
  let migrations: string[] = [];
  for (const table of await listTables(client)) {
    if (table === "_prisma_migrations") {
      const { rows } = await client.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations"
         WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      );
      migrations = rows.map((row) => row.migration_name);
      continue;
    }
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${quoteIdent(table)}`,
    );
    counts[table] = Number(rows[0]!.n);
  }
  return { migrations, counts };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
