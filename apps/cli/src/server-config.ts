/**
 * The server's database and data directory, worked out the same way for the
 * `kiln admin` commands on the server host as for the server itself. Takes
 * the parsed environment values as arguments (env.ts stays the only reader
 * of process.env).
 */
import path from "node:path";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb, parseDatabaseUrl, type TDbProvider } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import { KilnError } from "@kiln/engine/errors";
import type { Logger } from "@kiln/engine/logger";
import type { ServerDeps } from "@kiln/server/context";
import { EventBus } from "@kiln/server/event-bus";

/** The environment variables that choose the server's storage. */
export interface TServerEnvValues {
  /** PostgreSQL URL (`postgresql://…`); when unset, SQLite in the data directory. */
  DATABASE_URL?: string;
  /** Data directory (SQLite file, artifacts); default `./data`. */
  KILN_DATA_DIR?: string;
}

export interface TServerStorage {
  provider: TDbProvider;
  /** URL for createDb / migrateDatabase. */
  databaseUrl: string;
  /** Absolute data directory. */
  dataDir: string;
}

/** `DATABASE_URL` if set, else SQLite at `${KILN_DATA_DIR:-./data}/kiln.db`. */
export function serverStorageFrom(values: TServerEnvValues, cwd = process.cwd()): TServerStorage {
  const dataDir = path.resolve(cwd, values.KILN_DATA_DIR || "data");
  const databaseUrl = values.DATABASE_URL || `file:${path.join(dataDir, "kiln.db")}`;
  let provider: TDbProvider;
  try {
    provider = parseDatabaseUrl(databaseUrl, cwd).provider;
  } catch (err) {
    throw new KilnError("USAGE", `DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
  return { provider, databaseUrl, dataDir };
}

export interface TOpenedServer {
  deps: ServerDeps;
  storage: TServerStorage;
  close(): Promise<void>;
}

/**
 * Migrate the database, then open ServerDeps over it for host-side admin
 * commands. The config fields a running server needs (public URL, built-in
 * elements, retention) are placeholders: admin commands do not read them.
 */
export async function openServerForAdmin(
  values: TServerEnvValues,
  logger: Logger,
  cwd = process.cwd(),
): Promise<TOpenedServer> {
  const storage = serverStorageFrom(values, cwd);
  await migrateDatabase({ url: storage.databaseUrl, logger, cwd });
  const db = createDb({ url: storage.databaseUrl, cwd });
  const deps: ServerDeps = {
    db,
    store: createDirectoryArtifactStore({ root: path.join(storage.dataDir, "artifacts") }),
    bus: new EventBus(),
    logger,
    config: {
      version: "",
      builtinElementsDir: "",
      keepBuildsDefault: 0,
      maxCatalogBytes: 0,
      publicUrl: "",
    },
    now: () => new Date(),
  };
  return { deps, storage, close: () => db.close() };
}
