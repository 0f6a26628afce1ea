/**
 * `kiln admin backup DIR`: a consistent copy of the database, the artifact
 * store's objects and a manifest with every file's sha256, written into a new
 * directory while the server may keep running. The secret key that encrypts
 * recipe secrets is never copied: a backup holding both would hand whoever
 * gets it every secret in clear.
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ArtifactStore } from "@kiln/db/artifact-store";
import {
  databaseProvider,
  dumpDatabase,
  dumpFileName,
  type TPgToolOptions,
} from "@kiln/db/database-dump";
import { AppError } from "../../app-error.ts";
import { copyStoreToDir, listStore } from "./artifact-copy.ts";
import { describeFile, MANIFEST_FILE, type TBackupManifest } from "./backup-manifest.ts";

/** Where the server keeps its data, as the backup and restore services need it. */
export interface TBackupStorage {
  /** `file:…` or `postgresql://…`. */
  databaseUrl: string;
  store: ArtifactStore;
  storeKind: "directory" | "s3";
  /** The data directory (it holds `secret.key` when KILN_SECRET_KEY is unset). */
  dataDir: string;
  /** The directory store's root; unset for S3. */
  artifactsRoot?: string;
  /** PostgreSQL: where pg_dump and pg_restore are, and their environment. */
  pgTools?: TPgToolOptions;
  /** Resolves relative paths; default process.cwd(). */
  cwd?: string;
}

export interface TBackupOptions {
  /** A new or empty directory outside the data directory. */
  dir: string;
  kilnVersion: string;
  /** False: list the artifact keys only (for a bucket backed up with its own tools). */
  copyArtifacts: boolean;
  now?: () => Date;
}

export const SECRET_KEY_NOTE =
  "This backup does not contain the key that encrypts recipe secrets (KILN_SECRET_KEY, or " +
  "secret.key in the data directory when that variable is unset). Keep the key apart from " +
  "the backup: without it the recipe secrets cannot be decrypted, and next to the backup it " +
  "gives whoever obtains the backup every secret. Restore with the same key.";

const BUCKET_NOTE =
  " The artifact objects are listed (key and size) but not copied: back the bucket up with " +
  "its own tools (versioning, replication or a sync), at the same time as this backup.";

/** The working directory, and the backup directory `dir` resolved against it. */
export function resolveBackupDir(
  storage: TBackupStorage,
  dir: string,
): { cwd: string; dir: string } {
  const cwd = storage.cwd ?? process.cwd();
  return { cwd, dir: path.resolve(cwd, dir) };
}

export async function createBackup(
  storage: TBackupStorage,
  opts: TBackupOptions,
): Promise<TBackupManifest> {
  const { cwd, dir } = resolveBackupDir(storage, opts.dir);
  refuseInside(dir, storage.dataDir, "the data directory (it holds secret.key)");
  if (storage.artifactsRoot) refuseInside(dir, storage.artifactsRoot, "the artifact directory");
  const created = await prepareDir(dir);
  try {
    return await writeBackup(storage, opts, dir, cwd);
  } catch (err) {
    // The directory was empty: leave it so, rather than a half backup.
    if (created) await rm(dir, { recursive: true, force: true });
    else
      for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true });
    throw err;
  }
}

async function writeBackup(
  storage: TBackupStorage,
  opts: TBackupOptions,
  dir: string,
  cwd: string,
): Promise<TBackupManifest> {
  const provider = databaseProvider(storage.databaseUrl, cwd);
  const dumpFile = dumpFileName(provider);
  // The database first: every artifact it names was stored before it was copied.
  const dump = await dumpDatabase({
    url: storage.databaseUrl,
    file: path.join(dir, dumpFile),
    cwd,
    pgTools: storage.pgTools,
  });
  const listed = await listStore(storage.store);
  const artifacts = opts.copyArtifacts
    ? await copyStoreToDir(storage.store, listed, dir)
    : { copied: listed, files: [] };

  const manifest: TBackupManifest = {
    format: "kiln-backup",
    formatVersion: 1,
    kilnVersion: opts.kilnVersion,
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
    database: {
      kind: provider,
      file: dumpFile,
      migrationLevel: dump.migrations.at(-1) ?? null,
      migrations: dump.migrations,
      counts: dump.counts,
      ...(dump.serverVersion ? { serverVersion: dump.serverVersion } : {}),
      ...(dump.dumpedWith ? { dumpedWith: dump.dumpedWith } : {}),
    },
    artifacts: {
      store: storage.storeKind,
      copied: opts.copyArtifacts,
      count: artifacts.copied.length,
      bytes: artifacts.copied.reduce((sum, object) => sum + object.size, 0),
      objects: artifacts.copied,
    },
    files: [await describeFile(dir, dumpFile), ...artifacts.files],
    note: SECRET_KEY_NOTE + (opts.copyArtifacts ? "" : BUCKET_NOTE),
  };
  // Written last and renamed into place: a manifest means a finished backup.
  const staged = path.join(dir, `.${MANIFEST_FILE}.part`);
  await writeFile(staged, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(staged, path.join(dir, MANIFEST_FILE));
  return manifest;
}

function refuseInside(dir: string, parent: string, what: string): void {
  const rel = path.relative(path.resolve(parent), dir);
  if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
    throw new AppError(
      "INVALID_INPUT",
      `${dir} is inside ${what}: back up to another place`,
      "dir",
    );
  }
}

/** Creates the directory (0700), or takes an existing empty one; true when created. */
async function prepareDir(dir: string): Promise<boolean> {
  const created = (await mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined;
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new AppError("INVALID_INPUT", `${dir} is not empty: back up into a new directory`, "dir");
  }
  return created;
}
