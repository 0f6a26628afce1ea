/**
 * Where a Kiln server keeps its data, from its (already parsed) settings: the
 * one place that knows "DATABASE_URL, else SQLite in the data directory" and
 * "S3 when a bucket is set, else a directory". The dashboard, `kiln admin`
 * and the Prisma CLI config all go through it. Pure: reads no environment and
 * touches no file.
 */
import path from "node:path";
import type { TS3ArtifactStoreOptions } from "./s3-artifact-store.ts";

/** The settings, named as the environment variables that carry them. */
export interface TStorageSettings {
  /** `postgresql://…` or `file:…`; unset: SQLite in the data directory. */
  DATABASE_URL?: string | undefined;
  /** Data directory (SQLite file, artifacts); default `data`, relative to `cwd`. */
  KILN_DATA_DIR?: string | undefined;
  /** Directory artifact store root; default `<data dir>/artifacts`. */
  KILN_ARTIFACTS_DIR?: string | undefined;
  /** Setting it selects the S3 artifact store (the credentials are then required). */
  KILN_S3_BUCKET?: string | undefined;
  KILN_S3_ENDPOINT?: string | undefined;
  /** Default `us-east-1`. */
  KILN_S3_REGION?: string | undefined;
  KILN_S3_ACCESS_KEY_ID?: string | undefined;
  KILN_S3_SECRET_ACCESS_KEY?: string | undefined;
  /** `"false"` for virtual-hosted URLs; anything else (default) is path-style. */
  KILN_S3_FORCE_PATH_STYLE?: string | undefined;
  KILN_S3_PREFIX?: string | undefined;
}

export type TArtifactStoreChoice =
  | { kind: "directory"; /** absolute */ root: string }
  | { kind: "s3"; options: TS3ArtifactStoreOptions };

export interface TStorageLocation {
  /** Absolute data directory. */
  dataDir: string;
  /** For createDb / migrateDatabase. */
  databaseUrl: string;
  artifactStore: TArtifactStoreChoice;
}

/** Thrown when the S3 bucket is set without its credentials; names the missing variable. */
export class StorageSettingsError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable}: required with KILN_S3_BUCKET`);
    this.name = "StorageSettingsError";
  }
}

/** Empty strings count as unset, as shells treat `VAR=`. */
export function resolveStorageLocation(settings: TStorageSettings, cwd: string): TStorageLocation {
  const dataDir = path.resolve(cwd, settings.KILN_DATA_DIR || "data");
  return {
    dataDir,
    databaseUrl: settings.DATABASE_URL || `file:${path.join(dataDir, "kiln.db")}`,
    artifactStore: artifactStoreChoice(settings, dataDir, cwd),
  };
}

function artifactStoreChoice(
  settings: TStorageSettings,
  dataDir: string,
  cwd: string,
): TArtifactStoreChoice {
  if (!settings.KILN_S3_BUCKET) {
    const root = path.resolve(cwd, settings.KILN_ARTIFACTS_DIR || path.join(dataDir, "artifacts"));
    return { kind: "directory", root };
  }
  if (!settings.KILN_S3_ACCESS_KEY_ID) throw new StorageSettingsError("KILN_S3_ACCESS_KEY_ID");
  if (!settings.KILN_S3_SECRET_ACCESS_KEY) {
    throw new StorageSettingsError("KILN_S3_SECRET_ACCESS_KEY");
  }
  return {
    kind: "s3",
    options: {
      endpoint: settings.KILN_S3_ENDPOINT || undefined,
      region: settings.KILN_S3_REGION || "us-east-1",
      bucket: settings.KILN_S3_BUCKET,
      accessKeyId: settings.KILN_S3_ACCESS_KEY_ID,
      secretAccessKey: settings.KILN_S3_SECRET_ACCESS_KEY,
      forcePathStyle: settings.KILN_S3_FORCE_PATH_STYLE !== "false",
      prefix: settings.KILN_S3_PREFIX || undefined,
    },
  };
}
