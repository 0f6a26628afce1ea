/**
 * Extracts an uploaded (or git-archived, or stored) element tree into a fresh
 * directory, refusing anything that could reach outside it: absolute or `..`
 * paths, symlinks or hard links leading out, writes through a symlink,
 * device files and FIFOs, and archives past the size or entry limits. Each
 * refusal is one AppError naming the entry. The caller owns the directory and
 * removes it on failure; nothing is ever written anywhere else.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../app-error.ts";
import type { TCatalogLimits } from "./catalog-limits.ts";
import { readTarEntries } from "./read-tar-entries.ts";

export interface TExtractTarOptions {
  /** The archive bytes (gzip or plain tar). */
  source: AsyncIterable<Uint8Array>;
  /** Empty directory to extract into. */
  dir: string;
  limits: TCatalogLimits;
  /** Start of every message: "catalog upload", "git import"… */
  what: string;
  /** Called with each file's size before it is written; throws to refuse it (a shared budget). */
  reserve?: (bytes: number) => void;
}

export interface TExtractTarResult {
  /** Entries extracted (directories included). */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Compressed (as received) bytes read. */
  archiveBytes: number;
}

type Kind = "dir" | "file" | "symlink";

export async function extractTarSafely(opts: TExtractTarOptions): Promise<TExtractTarResult> {
  const { dir, limits, what } = opts;
  const reject = (msg: string) => new AppError("INVALID_INPUT", `${what} rejected: ${msg}`, "file");
  const kinds = new Map<string, Kind>();
  let entries = 0;
  let bytes = 0;
  let archiveBytes = 0;

  async function* capped(): AsyncGenerator<Uint8Array> {
    for await (const chunk of opts.source) {
      archiveBytes += chunk.byteLength;
      if (archiveBytes > limits.maxArchiveBytes) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `${what} rejected: the archive is larger than ${limits.maxArchiveBytes} bytes`,
          "file",
        );
      }
      yield chunk;
    }
  }

  /** Creates missing parents, refusing to pass through a symlink or a file. */
  async function ensureParents(rel: string[], name: string): Promise<void> {
    for (let i = 1; i < rel.length; i++) {
      const prefix = rel.slice(0, i).join("/");
      const kind = kinds.get(prefix);
      if (kind === "symlink") throw reject(`entry '${name}' passes through symlink '${prefix}'`);
      if (kind === "file") throw reject(`entry '${name}' is inside file '${prefix}'`);
      if (!kind) {
        await fs.mkdir(path.join(dir, ...rel.slice(0, i)), { mode: 0o755 });
        kinds.set(prefix, "dir");
      }
    }
  }

  await readTarEntries(capped(), what, async (entry, readBody) => {
    entries++;
    if (entries > limits.maxEntries)
      throw reject(`the archive has more than ${limits.maxEntries} entries`);
    const segs = checkEntryPath(entry.name, reject);
    if (segs.length === 0) return; // "./" itself
    const rel = segs.join("/");
    const full = path.join(dir, ...segs);
    const existing = kinds.get(rel);
    if (existing && !(existing === "dir" && entry.type === "5")) {
      throw reject(`entry '${entry.name}' appears twice`);
    }
    switch (entry.type) {
      case "5":
        if (existing) return;
        await ensureParents(segs, entry.name);
        await fs.mkdir(full, { mode: 0o755 });
        kinds.set(rel, "dir");
        return;
      case "0":
      case "7": {
        bytes += entry.size;
        if (bytes > limits.maxTreeBytes) {
          throw new AppError(
            "PAYLOAD_TOO_LARGE",
            `${what} rejected: entry '${entry.name}' takes the tree past ${limits.maxTreeBytes} bytes uncompressed`,
            "file",
          );
        }
        opts.reserve?.(entry.size);
        await ensureParents(segs, entry.name);
        // "wx" never follows or replaces an existing path (symlink included).
        const fh = await fs.open(full, "wx", entry.mode & 0o111 ? 0o755 : 0o644);
        try {
          await readBody(async (piece) => {
            await fh.write(piece);
          });
        } finally {
          await fh.close();
        }
        kinds.set(rel, "file");
        return;
      }
      case "2": {
        const target = entry.linkname;
        if (Buffer.byteLength(target) > MAX_ENTRY_PATH_BYTES) {
          throw reject(
            `symlink '${entry.name}' has a target longer than ${MAX_ENTRY_PATH_BYTES} bytes`,
          );
        }
        if (!target || target.includes("\0") || path.posix.isAbsolute(target)) {
          throw reject(`symlink '${entry.name}' -> '${target}' points outside the tree`);
        }
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
        if (resolved === ".." || resolved.startsWith("../")) {
          throw reject(`symlink '${entry.name}' -> '${target}' points outside the tree`);
        }
        await ensureParents(segs, entry.name);
        await fs.symlink(target, full);
        kinds.set(rel, "symlink");
        return;
      }
      case "1": {
        const targetSegs = checkEntryPath(entry.linkname, () =>
          reject(`hard link '${entry.name}' -> '${entry.linkname}' points outside the tree`),
        );
        const targetRel = targetSegs.join("/");
        if (kinds.get(targetRel) !== "file") {
          throw reject(
            `hard link '${entry.name}' -> '${entry.linkname}' names no earlier file of the archive`,
          );
        }
        await ensureParents(segs, entry.name);
        await fs.link(path.join(dir, ...targetSegs), full);
        kinds.set(rel, "file");
        return;
      }
      case "3":
      case "4":
        throw reject(`entry '${entry.name}' is a device file`);
      case "6":
        throw reject(`entry '${entry.name}' is a FIFO`);
      default:
        throw reject(`entry '${entry.name}' has unsupported tar type '${entry.type}'`);
    }
  });
  return { entries, bytes, archiveBytes };
}

/**
 * Longest entry path, in bytes. Far below PATH_MAX (4096 on Linux) once the
 * extraction directory is in front, so the filesystem never answers
 * ENAMETOOLONG: an over-long name is the archive's fault, refused by name.
 */
export const MAX_ENTRY_PATH_BYTES = 1024;
/** Longest single path segment (file or directory name), in bytes: NAME_MAX on Linux. */
export const MAX_ENTRY_NAME_BYTES = 255;
/** Deepest nesting of an entry. */
export const MAX_ENTRY_DEPTH = 64;

/** Splits an entry path, refusing absolute paths, any `..` segment and over-long names. */
function checkEntryPath(name: string, reject: (msg: string) => AppError): string[] {
  if (Buffer.byteLength(name) > MAX_ENTRY_PATH_BYTES) {
    throw reject(`entry '${shorten(name)}' has a path longer than ${MAX_ENTRY_PATH_BYTES} bytes`);
  }
  if (name.includes("\0")) throw reject(`entry '${name}' has a NUL in its name`);
  if (name.startsWith("/")) throw reject(`entry '${name}' is an absolute path`);
  const segs = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segs.includes("..")) throw reject(`entry '${name}' escapes the tree`);
  if (segs.length > MAX_ENTRY_DEPTH) {
    throw reject(`entry '${shorten(name)}' is nested deeper than ${MAX_ENTRY_DEPTH} levels`);
  }
  if (segs.some((seg) => Buffer.byteLength(seg) > MAX_ENTRY_NAME_BYTES)) {
    throw reject(`entry '${shorten(name)}' has a name longer than ${MAX_ENTRY_NAME_BYTES} bytes`);
  }
  return segs;
}

/** An over-long name, cut for an error message. */
function shorten(name: string): string {
  return name.length > 80 ? `${name.slice(0, 80)}…` : name;
}
