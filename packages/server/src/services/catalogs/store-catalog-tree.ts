/**
 * Moving element trees between the filesystem and the artifact store: pack a
 * validated tree into `catalogs/<sha256>.tar.gz`, and extract a stored
 * version into a cache directory keyed by its sha256 (for resolution, hook
 * sources and builds on the server host).
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { execa } from "execa";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { catalogCacheDir, catalogLimits } from "./catalog-limits.ts";
import { extractTarSafely } from "./extract-tar-safely.ts";
import { hashElementTree } from "@kiln/contracts/catalog-hash";

export function catalogStorageKey(sha256: string): string {
  return `catalogs/${sha256}.tar.gz`;
}

/**
 * Stores the tree unless an object for this content is already there (two
 * catalogs with the same content share one tarball). Returns the key and size.
 */
export async function storeCatalogTree(
  deps: ServerDeps,
  dir: string,
  sha256: string,
): Promise<{ storageKey: string; sizeBytes: number }> {
  const storageKey = catalogStorageKey(sha256);
  const existing = await deps.store.stat(storageKey);
  if (existing) return { storageKey, sizeBytes: existing.size };
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "kiln-catalog-pack-"));
  try {
    const file = path.join(tmp, "tree.tar.gz");
    // Sorted names, fixed owner and time, and node's gzip (no name, mtime 0):
    // the same tree always packs to the same bytes.
    const tar = execa(
      "tar",
      [
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mtime=@0",
        "-C",
        dir,
        "-cf",
        "-",
        ".",
      ],
      { stdout: "pipe", buffer: false, stderr: "pipe" },
    );
    await Promise.all([
      pipeline(tar.stdout, zlib.createGzip({ level: 6 }), createWriteStream(file)),
      tar,
    ]);
    const put = await deps.store.put(storageKey, createReadStream(file));
    return { storageKey, sizeBytes: put.size };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

const inFlight = new Map<string, Promise<string>>();

/**
 * The directory holding a stored catalog version's tree, extracted on first
 * use into `<cache>/<sha256>`. The extraction is checked against the sha256
 * and moved into place whole, so a half-extracted tree is never seen.
 */
export function ensureCatalogTree(
  deps: ServerDeps,
  version: { sha256: string; storageKey: string },
): Promise<string> {
  const root = catalogCacheDir(deps.config);
  const target = path.join(root, version.sha256);
  const key = target;
  let p = inFlight.get(key);
  if (!p) {
    p = extractToCache(deps, version, root, target).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

async function extractToCache(
  deps: ServerDeps,
  version: { sha256: string; storageKey: string },
  root: string,
  target: string,
): Promise<string> {
  if (await exists(target)) return target;
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const tmp = path.join(root, `.tmp-${randomUUID()}`);
  await fs.mkdir(tmp);
  try {
    const limits = catalogLimits(deps.config);
    // Our own tarball, but it went through a store: same checks as an upload.
    const unlimited = { ...limits, maxArchiveBytes: Number.MAX_SAFE_INTEGER };
    await extractTarSafely({
      source: await deps.store.get(version.storageKey),
      dir: tmp,
      limits: unlimited,
      what: `stored catalog ${version.sha256.slice(0, 12)}`,
    });
    const { sha256 } = await hashElementTree(tmp, unlimited, "stored catalog");
    if (sha256 !== version.sha256) {
      throw new AppError(
        "INTERNAL",
        `stored catalog tarball ${version.storageKey} does not match its sha256 (got ${sha256})`,
      );
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      // Another process got there first with the same content.
      if (!(await exists(target))) throw err;
    }
    return target;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
