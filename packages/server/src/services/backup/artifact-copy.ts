/**
 * Artifacts in a backup: every object of the artifact store, copied through
 * the ArtifactStore interface (so a directory store and an S3 bucket are
 * backed up alike) to `artifacts/<key>` in the backup directory, and put back
 * with their sha256 checked by the store as they are written.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { ArtifactStore } from "@kiln/db/artifact-store";
import { ArtifactNotFoundError } from "@kiln/db/errors";
import { describeFile, type TBackupFile } from "./backup-manifest.ts";

export const ARTIFACTS_DIR = "artifacts";

export interface TStoreObject {
  key: string;
  size: number;
}

/** Every object in the store, in key order. */
export async function listStore(store: ArtifactStore): Promise<TStoreObject[]> {
  const objects: TStoreObject[] = [];
  for await (const info of store.list("")) objects.push({ key: info.key, size: info.size });
  return objects;
}

/**
 * Copies each listed object into `<dir>/artifacts/<key>` (files 0600).
 * An object deleted since it was listed (retention) is left out of the result.
 */
export async function copyStoreToDir(
  store: ArtifactStore,
  objects: TStoreObject[],
  dir: string,
): Promise<{ copied: TStoreObject[]; files: TBackupFile[] }> {
  const copied: TStoreObject[] = [];
  const files: TBackupFile[] = [];
  for (const object of objects) {
    const rel = `${ARTIFACTS_DIR}/${object.key}`;
    const file = path.join(dir, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let body;
    try {
      body = await store.get(object.key);
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) continue;
      throw err;
    }
    await pipeline(body, createWriteStream(file, { flags: "wx", mode: 0o600 }));
    const described = await describeFile(dir, rel);
    copied.push({ key: object.key, size: described.size });
    files.push(described);
  }
  return { copied, files };
}

/** Puts every copied object back; the store refuses content that does not match its sha256. */
export async function copyDirToStore(
  dir: string,
  files: TBackupFile[],
  store: ArtifactStore,
): Promise<number> {
  let restored = 0;
  for (const file of files) {
    if (!file.path.startsWith(`${ARTIFACTS_DIR}/`)) continue;
    const key = file.path.slice(ARTIFACTS_DIR.length + 1);
    await store.put(key, createReadStream(path.join(dir, ...file.path.split("/"))), {
      expectedSha256: file.sha256,
    });
    restored += 1;
  }
  return restored;
}

/** Listed objects the store lacks or holds at another size (for a backup that did not copy them). */
export async function missingFromStore(
  store: ArtifactStore,
  objects: TStoreObject[],
): Promise<string[]> {
  const missing: string[] = [];
  for (const object of objects) {
    const info = await store.stat(object.key);
    if (!info || info.size !== object.size) missing.push(object.key);
  }
  return missing;
}
