/**
 * `kiln admin restore DIR`: checks the backup whole before changing anything
 * (every file against the manifest's sha256, the database kind, the schema
 * level), then restores the database into an empty one, applies the
 * migrations this Kiln has beyond the backup's, and puts the artifacts back.
 */
import path from "node:path";
import { databaseProvider, knownMigrations, restoreDatabase } from "@kiln/db/database-dump";
import { migrateDatabase } from "@kiln/db/migrate";
import type { Logger } from "@kiln/contracts/logger";
import { AppError } from "../../app-error.ts";
import { copyDirToStore, missingFromStore } from "./artifact-copy.ts";
import { readVerifiedManifest, type TBackupManifest } from "./backup-manifest.ts";
import { resolveBackupDir, type TBackupStorage } from "./create-backup.ts";

export interface TRestoreOptions {
  dir: string;
  /** Replace a database that holds rows. */
  force: boolean;
  logger: Logger;
  /** The migrations to apply after the restore; default: this build's (tests use older sets). */
  prismaDir?: string;
}

export interface TRestoreResult {
  manifest: TBackupManifest;
  /** Migrations newer than the backup, applied after it was restored. */
  appliedMigrations: string[];
  /** Objects written back to the artifact store. */
  artifactsRestored: number;
  /** For a backup that only listed its objects: those the store lacks. */
  missingArtifacts: string[];
}

/** Reads and checks a backup without restoring it. */
export async function verifyBackup(dir: string, cwd = process.cwd()): Promise<TBackupManifest> {
  return readVerifiedManifest(path.resolve(cwd, dir));
}

export async function restoreBackup(
  storage: TBackupStorage,
  opts: TRestoreOptions,
): Promise<TRestoreResult> {
  const { cwd, dir } = resolveBackupDir(storage, opts.dir);
  const manifest = await readVerifiedManifest(dir);
  const provider = databaseProvider(storage.databaseUrl, cwd);
  if (manifest.database.kind !== provider) {
    throw new AppError(
      "INVALID_INPUT",
      `${dir} holds a ${manifest.database.kind} database; this server uses ${provider}`,
      "dir",
    );
  }
  const known = new Set(knownMigrations(provider, opts.prismaDir));
  const newer = manifest.database.migrations.filter((name) => !known.has(name));
  if (newer.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${dir} was made by a newer Kiln (${manifest.kilnVersion}; migration ${newer[0]} is ` +
        "unknown here): restore it with that version or a later one",
      "dir",
    );
  }
  await restoreDatabase({
    url: storage.databaseUrl,
    file: path.join(dir, manifest.database.file),
    cwd,
    pgTools: storage.pgTools,
    force: opts.force,
  });
  const migrated = await migrateDatabase({
    url: storage.databaseUrl,
    logger: opts.logger,
    cwd,
    prismaDir: opts.prismaDir,
  });
  if (!manifest.artifacts.copied) {
    const missing = await missingFromStore(storage.store, manifest.artifacts.objects);
    return {
      manifest,
      appliedMigrations: migrated.applied,
      artifactsRestored: 0,
      missingArtifacts: missing,
    };
  }
  const restored = await copyDirToStore(dir, manifest.files, storage.store);
  return {
    manifest,
    appliedMigrations: migrated.applied,
    artifactsRestored: restored,
    missingArtifacts: [],
  };
}
