/**
 * A catalog version's identity: sha256 over the tree's entries in byte order
 * of their relative paths, one line each:
 *   file     `path\0100644\0<sha256 of content>\n` (100755 when any x bit is set)
 *   symlink  `path\0120000\0<target>\n`
 *   dir      `path\0040000\0\n`
 * Owners, times and other mode bits are left out, so the same content from a
 * tarball, a git checkout or the built-in directory gives the same hash. The
 * walk also refuses what a stored tree must not hold: special files, names
 * that are not UTF-8, and symlinks that dangle or resolve outside the tree.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { KilnError } from "./errors.ts";

/** The bounds a walked tree must stay within. */
export interface TTreeLimits {
  /** Entries (files, dirs, links). */
  maxEntries: number;
  /** Bytes of file content. */
  maxTreeBytes: number;
}

/** Thrown when a tree holds what a stored catalog must not, or is over its limits. */
export class CatalogTreeError extends KilnError {
  constructor(
    message: string,
    /** The tree is over a size limit (rather than holding something refused). */
    readonly tooLarge = false,
  ) {
    super("CATALOG_TREE", message);
  }
}

export interface TTreeHash {
  sha256: string;
  /** Regular files in the tree. */
  files: number;
  /** Bytes of file content. */
  bytes: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * File operations in flight at once during one walk. Reading every file of a
 * directory at once runs out of descriptors (EMFILE) on a directory of
 * thousands of files; a few dozen keep the disk busy all the same.
 */
export const TREE_READ_CONCURRENCY = 32;

/** Runs at most `limit` of the functions given to it at once, in order of arrival. */
function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export async function hashElementTree(
  root: string,
  limits: TTreeLimits,
  what: string,
): Promise<TTreeHash> {
  const reject = (msg: string) => new CatalogTreeError(`${what} rejected: ${msg}`);
  const realRoot = await fs.realpath(root);
  const total = createHash("sha256");
  let files = 0;
  let bytes = 0;
  let entries = 0;
  // Only leaf operations take a slot: a directory waiting on its children holds none.
  const io = concurrencyLimit(TREE_READ_CONCURRENCY);

  // Lines come back in name order; the files of one directory are read a few at a time.
  const visit = async (dir: string, rel: string): Promise<string[]> => {
    const raw = await io(() => fs.readdir(dir, { encoding: "buffer" }));
    raw.sort(Buffer.compare);
    const parts = await Promise.all(
      raw.map(async (nameBytes): Promise<string[]> => {
        let name: string;
        try {
          name = utf8.decode(nameBytes);
        } catch {
          throw reject(`a file name under '${rel || "."}' is not valid UTF-8`);
        }
        const relPath = rel ? `${rel}/${name}` : name;
        const full = path.join(dir, name);
        if (++entries > limits.maxEntries) {
          throw reject(`the tree has more than ${limits.maxEntries} entries`);
        }
        const st = await io(() => fs.lstat(full));
        if (st.isDirectory()) {
          return [`${relPath}\x00040000\x00\n`, ...(await visit(full, relPath))];
        }
        if (st.isFile()) {
          files++;
          bytes += st.size;
          if (bytes > limits.maxTreeBytes) {
            throw new CatalogTreeError(
              `${what} rejected: entry '${relPath}' takes the tree past ${limits.maxTreeBytes} bytes`,
              true,
            );
          }
          const mode = st.mode & 0o111 ? "100755" : "100644";
          const digest = await io(() => hashFile(full, st.size));
          return [`${relPath}\x00${mode}\x00${digest}\n`];
        }
        if (st.isSymbolicLink()) {
          const target = await io(() => fs.readlink(full));
          let real: string;
          try {
            real = await io(() => fs.realpath(full));
          } catch {
            throw reject(`symlink '${relPath}' -> '${target}' points to nothing inside the tree`);
          }
          if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
            throw reject(`symlink '${relPath}' -> '${target}' points outside the tree`);
          }
          return [`${relPath}\x00120000\x00${target}\n`];
        }
        throw reject(`entry '${relPath}' is a device file, FIFO or socket`);
      }),
    );
    return parts.flat();
  };
  for (const line of await visit(realRoot, "")) total.update(line);
  return { sha256: total.digest("hex"), files, bytes };
}

async function hashFile(file: string, size: number): Promise<string> {
  // Element files are small: one read beats a stream's overhead.
  if (size < 1 << 20)
    return createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}
