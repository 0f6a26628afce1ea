/**
 * Element catalogs of an ASSIGN, by content hash: each version is downloaded
 * once as a .tar.gz from the server, unpacked, and its tree hashed the way the
 * server hashed it (hashElementTree), so a tampered or truncated download
 * never becomes an elements path. Verified trees are cached under
 * `<workDir>/catalogs/<sha256>/`. A version the agent already holds (its own
 * built-in elements, when agent and server are the same Kiln) is used in place.
 */
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { KilnError } from "@kiln/contracts/errors";
import type { Logger } from "@kiln/contracts/logger";
import type { TServerToAgent } from "@kiln/protocol";
import { hashElementTree } from "@kiln/contracts/catalog-hash";

const run = promisify(execFile);

/** A catalog could not be fetched or did not hash to its name. */
export class CatalogFetchError extends KilnError {
  constructor(message: string) {
    super("HOST", message);
  }
}

export interface FetchCatalogsOptions {
  entries: TServerToAgent<"ASSIGN">["elementsPath"];
  /** Server base URL, for entries whose url is relative. */
  server: string;
  secret: string;
  /** Agent work dir; the cache is `catalogs/` under it. */
  workDir: string;
  /**
   * Directories the agent holds (its built-in elements): for an entry not in
   * the cache they are hashed (afresh each call: they may be edited while the
   * agent runs; ~12 ms for Kiln's own), and one with that hash is used in place.
   */
  localTrees?: string[];
  signal?: AbortSignal;
  logger: Logger;
}

/** Limits for the agent's own check; generous, the server already enforced its own. */
const LIMITS = { maxArchiveBytes: 2 ** 40, maxTreeBytes: 2 ** 40, maxEntries: 1_000_000 };

/** The cached directories, in ASSIGN order (earliest wins). */
export async function fetchCatalogs(o: FetchCatalogsOptions): Promise<string[]> {
  const root = path.join(o.workDir, "catalogs");
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  // Hashed only when some entry is not cached, and then once for the whole call.
  let local: Map<string, string> | undefined;
  const dirs: string[] = [];
  for (const e of o.entries) {
    const dir = path.join(root, e.sha256);
    if (fs.existsSync(dir)) {
      o.logger.debug("catalog cache hit", { sha256: e.sha256 });
      dirs.push(dir);
      continue;
    }
    local ??= await hashLocalTrees(o.localTrees ?? [], o.logger);
    const own = local.get(e.sha256);
    if (own) {
      o.logger.debug("catalog is the agent's own tree", { sha256: e.sha256, dir: own });
      dirs.push(own);
      continue;
    }
    await fetchOne(o, e, root, dir);
    dirs.push(dir);
  }
  return dirs;
}

/** sha256 → directory; a tree that cannot be hashed is only never matched. */
async function hashLocalTrees(trees: string[], logger: Logger): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of trees) {
    try {
      const { sha256 } = await hashElementTree(dir, LIMITS, `local tree ${dir}`);
      if (!out.has(sha256)) out.set(sha256, dir);
    } catch (err) {
      logger.debug("local tree not usable as a catalog", { dir, err: (err as Error).message });
    }
  }
  return out;
}

async function fetchOne(
  o: FetchCatalogsOptions,
  e: FetchCatalogsOptions["entries"][number],
  root: string,
  dir: string,
): Promise<void> {
  const url = new URL(e.url || `/api/agents/catalogs/${e.sha256}`, o.server).toString();
  const what = `catalog ${e.name} (${e.sha256.slice(0, 12)})`;
  // Unpack beside the cache entry, then rename: a crash never leaves a half tree that looks cached.
  const tmp = fs.mkdtempSync(path.join(root, `.${e.sha256}-`));
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${o.secret}` },
        ...(o.signal ? { signal: o.signal } : {}),
      });
    } catch (err) {
      throw new CatalogFetchError(`${what}: download from ${url} failed: ${String(err)}`);
    }
    if (!res.ok || !res.body)
      throw new CatalogFetchError(`${what}: download from ${url} failed: HTTP ${res.status}`);
    const tgz = path.join(tmp, "tree.tar.gz");
    await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(tgz));
    const tree = path.join(tmp, "tree");
    fs.mkdirSync(tree);
    try {
      await run("tar", ["-xzf", tgz, "-C", tree, "--no-same-owner", "--no-same-permissions"]);
    } catch (err) {
      throw new CatalogFetchError(`${what}: unpacking failed: ${(err as Error).message}`);
    }
    let got: string;
    try {
      got = (await hashElementTree(tree, LIMITS, what)).sha256;
    } catch (err) {
      throw new CatalogFetchError((err as Error).message);
    }
    if (got !== e.sha256)
      throw new CatalogFetchError(`${what}: unpacked tree hashes to ${got}, not ${e.sha256}`);
    fs.renameSync(tree, dir);
    o.logger.info("catalog fetched", { name: e.name, sha256: e.sha256 });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
