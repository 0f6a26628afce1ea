/**
 * Where big blobs live (images, catalog tarballs, logs beyond the database):
 * an `ArtifactStore` keyed by slash-separated names. The directory store is
 * the default; an S3-compatible store will implement the same interface
 * (keys map to object names, `list` to paged ListObjectsV2, `get` ranges to
 * HTTP Range), so nothing above this file knows which one it talks to.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { mkdir, open, opendir, realpath, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArtifactIntegrityError, ArtifactKeyError, ArtifactNotFoundError } from "./errors.ts";

export interface TArtifactInfo {
  key: string;
  /** Bytes. */
  size: number;
  modifiedAt: Date;
}

export interface TPutResult {
  size: number;
  /** Hex sha256 of the bytes written. */
  sha256: string;
}

export interface TPutOptions {
  /** When given, the write fails (and nothing is stored) unless the content hashes to it. */
  expectedSha256?: string;
}

export interface TGetOptions {
  /** First byte to return (default 0). */
  start?: number;
  /** Last byte to return, inclusive, like HTTP Range (default: the end). */
  end?: number;
}

export type TArtifactBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface ArtifactStore {
  /** Stores the body under `key`, replacing any previous object atomically. */
  put(key: string, body: TArtifactBody, opts?: TPutOptions): Promise<TPutResult>;
  /** Streams the object; throws ArtifactNotFoundError when there is none. */
  get(key: string, opts?: TGetOptions): Promise<Readable>;
  /** Size and time of the object, or null when there is none. */
  stat(key: string): Promise<TArtifactInfo | null>;
  /** Removes the object; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix` (a plain string prefix), in key order. */
  list(prefix: string): AsyncIterable<TArtifactInfo>;
}

const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const maxKeyLength = 1024;

/**
 * Checks a key: slash-separated segments of letters, digits, `.`, `_`, `-`,
 * none empty, none starting with a dot (so no `..`, and the store's own
 * `.tmp` directory cannot be named).
 */
export function validateArtifactKey(key: string): string {
  if (key.length === 0) throw new ArtifactKeyError(key, "empty");
  if (key.length > maxKeyLength) throw new ArtifactKeyError(key, `longer than ${maxKeyLength}`);
  for (const segment of key.split("/")) {
    if (segment === "")
      throw new ArtifactKeyError(key, "empty segment (leading, trailing or double '/')");
    if (!segmentPattern.test(segment)) {
      throw new ArtifactKeyError(
        key,
        `segment '${segment}' must be letters, digits, '.', '_' or '-' and not start with '.'`,
      );
    }
  }
  return key;
}

function validatePrefix(prefix: string): void {
  if (prefix === "") return;
  // A prefix is a key, possibly cut mid-segment or ending in "/".
  validateArtifactKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

export interface TDirectoryStoreOptions {
  /** Directory holding the objects; created if missing. */
  root: string;
}

/** An ArtifactStore in a local directory: one file per key. */
export function createDirectoryArtifactStore(opts: TDirectoryStoreOptions): ArtifactStore {
  return new DirectoryArtifactStore(path.resolve(opts.root));
}

class DirectoryArtifactStore implements ArtifactStore {
  private ready: Promise<string> | undefined;

  constructor(private readonly root: string) {}

  /** The root's real path, created on first use (never by the constructor). */
  private realRoot(): Promise<string> {
    this.ready ??= mkdir(path.join(this.root, ".tmp"), { recursive: true }).then(() =>
      realpath(this.root),
    );
    return this.ready;
  }

  /** The file for a key, after proving no symlinked directory leads outside the root. */
  private async fileFor(key: string, createParents: boolean): Promise<string | null> {
    validateArtifactKey(key);
    const root = await this.realRoot();
    const file = path.join(root, ...key.split("/"));
    const parent = path.dirname(file);
    if (createParents) await mkdir(parent, { recursive: true });
    let realParent: string;
    try {
      realParent = await realpath(parent);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    if (realParent !== root && !realParent.startsWith(root + path.sep)) {
      throw new ArtifactKeyError(key, "resolves outside the store (symlinked directory)");
    }
    return path.join(realParent, path.basename(file));
  }

  async put(key: string, body: TArtifactBody, opts: TPutOptions = {}): Promise<TPutResult> {
    const file = (await this.fileFor(key, true))!;
    // Same filesystem as the target, so the final rename is atomic: readers
    // see the old object or the whole new one, never a partial file.
    const tmp = path.join(await this.realRoot(), ".tmp", `${randomUUID()}.part`);
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = body instanceof Uint8Array ? Readable.from([body]) : Readable.from(body);
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: "wx" }));
      const sha256 = hash.digest("hex");
      if (opts.expectedSha256 && opts.expectedSha256.toLowerCase() !== sha256) {
        throw new ArtifactIntegrityError(key, sha256, opts.expectedSha256);
      }
      const fh = await open(tmp, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      return { size, sha256 };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string, opts: TGetOptions = {}): Promise<Readable> {
    const file = await this.fileFor(key, false);
    // A directory opens fine and fails only on read: rule it out first.
    if (!file || !(await this.stat(key))) throw new ArtifactNotFoundError(key);
    const stream: ReadStream = createReadStream(file, { start: opts.start, end: opts.end });
    // Surface a missing file as our error, before the caller starts piping.
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "ENOENT" || err.code === "EISDIR" ? new ArtifactNotFoundError(key) : err,
        ),
      );
    });
    return stream;
  }

  async stat(key: string): Promise<TArtifactInfo | null> {
    const file = await this.fileFor(key, false);
    if (!file) return null;
    try {
      const st = await stat(file);
      return st.isFile() ? { key, size: st.size, modifiedAt: st.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async delete(key: string): Promise<boolean> {
    const file = await this.fileFor(key, false);
    if (!file || !(await this.stat(key))) return false;
    await rm(file, { force: true });
    // Prune directories the key left empty, so retention leaves no husks.
    const root = await this.realRoot();
    for (
      let dir = path.dirname(file);
      dir !== root && dir.startsWith(root);
      dir = path.dirname(dir)
    ) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
    return true;
  }

  async *list(prefix: string): AsyncIterable<TArtifactInfo> {
    validatePrefix(prefix);
    const root = await this.realRoot();
    // Only walk the deepest directory the prefix fully names.
    const cut = prefix.lastIndexOf("/");
    const base = cut >= 0 ? prefix.slice(0, cut) : "";
    yield* this.walk(root, base, prefix);
  }

  private async *walk(root: string, rel: string, prefix: string): AsyncGenerator<TArtifactInfo> {
    let dir;
    try {
      dir = await opendir(path.join(root, ...(rel ? rel.split("/") : [])));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    const entries: { name: string; isDir: boolean }[] = [];
    for await (const e of dir) {
      // Dot entries are the store's own (.tmp); symlinks are never followed.
      if (e.name.startsWith(".") || e.isSymbolicLink()) continue;
      entries.push({ name: e.name, isDir: e.isDirectory() });
    }
    // Compare directories as "name/" so the walk yields keys in byte order.
    const sortKey = (e: { name: string; isDir: boolean }) => (e.isDir ? e.name + "/" : e.name);
    entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    for (const e of entries) {
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDir) {
        if (prefix.startsWith(key + "/") || (key + "/").startsWith(prefix)) {
          yield* this.walk(root, key, prefix);
        }
      } else if (key.startsWith(prefix)) {
        const info = await this.stat(key);
        if (info) yield info;
      }
    }
  }
}
