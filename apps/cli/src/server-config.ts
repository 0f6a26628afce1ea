/**
 * The server's database and data directory, worked out the same way for the
 * `kiln admin` commands on the server host as for the server itself. Takes
 * the parsed environment values as arguments (env.ts stays the only reader
 * of process.env).
 */
import { createDb, parseDatabaseUrl, type TDbProvider } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import { openArtifactStore } from "@kiln/db/open-artifact-store";
import {
  resolveStorageLocation,
  StorageSettingsError,
  type TArtifactStoreChoice,
  type TStorageSettings,
} from "@kiln/db/storage-location";
import { KilnError } from "@kiln/contracts/errors";
import type { Logger } from "@kiln/contracts/logger";
import type { ServerDeps } from "@kiln/server/context";
import type { TBackupStorage } from "@kiln/server/services/backup/create-backup";
import { EventBus } from "@kiln/server/event-bus";

/** The environment variables that choose the server's storage (DATABASE_URL, KILN_DATA_DIR, KILN_S3_*, …). */
export type TServerEnvValues = TStorageSettings;

export interface TServerStorage {
  provider: TDbProvider;
  /** URL for createDb / migrateDatabase. */
  databaseUrl: string;
  /** Absolute data directory. */
  dataDir: string;
  artifactStore: TArtifactStoreChoice;
}

/** The server's storage, as the dashboard resolves it (resolveStorageLocation). */
export function serverStorageFrom(values: TServerEnvValues, cwd = process.cwd()): TServerStorage {
  let location;
  try {
    location = resolveStorageLocation(values, cwd);
  } catch (err) {
    if (err instanceof StorageSettingsError)
      throw new KilnError("USAGE", err.message, { cause: err });
    throw err;
  }
  let provider: TDbProvider;
  try {
    provider = parseDatabaseUrl(location.databaseUrl, cwd).provider;
  } catch (err) {
    throw new KilnError("USAGE", `DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
  return { provider, ...location };
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
    store: openArtifactStore(storage.artifactStore),
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

/** What `kiln admin backup`/`restore` need besides the storage settings. */
export interface TBackupToolSettings {
  /** KILN_PG_BIN_DIR. */
  pgBinDir: string | undefined;
  /** The environment pg_dump and pg_restore run with. */
  toolEnv: Record<string, string | undefined>;
}

/** The server's storage as the backup services take it (no migration: restore decides). */
export function backupStorageFrom(
  values: TServerEnvValues,
  tools: TBackupToolSettings,
  cwd = process.cwd(),
): TBackupStorage {
  const storage = serverStorageFrom(values, cwd);
  const choice = storage.artifactStore;
  return {
    databaseUrl: storage.databaseUrl,
    store: openArtifactStore(choice),
    storeKind: choice.kind,
    dataDir: storage.dataDir,
    ...(choice.kind === "directory" ? { artifactsRoot: choice.root } : {}),
    pgTools: { env: tools.toolEnv, ...(tools.pgBinDir ? { binDir: tools.pgBinDir } : {}) },
    cwd,
  };
}
