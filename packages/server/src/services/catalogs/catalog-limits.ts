/**
 * Limits on imported element trees, from the server config. Only
 * `maxCatalogBytes` is a ServerConfig field today; the other two are read
 * when present so the lead can add them (and tests can shrink them).
 */
import os from "node:os";
import path from "node:path";
import type { ServerConfig } from "../../context.ts";

export interface TCatalogLimits {
  /** Bytes of archive accepted as received (compressed). */
  maxArchiveBytes: number;
  /** Bytes of file content once extracted. */
  maxTreeBytes: number;
  /** Archive members (files, dirs, links, headers). */
  maxEntries: number;
}

/** Optional ServerConfig fields this area reads (proposed to the lead). */
export interface TCatalogConfigExtras {
  /** Largest extracted element tree, bytes (default 10 × maxCatalogBytes). */
  maxCatalogTreeBytes?: number;
  /** Most archive entries (default 20000). */
  maxCatalogEntries?: number;
  /** Where catalog trees are extracted for resolution (default: a dir under os.tmpdir()). */
  catalogCacheDir?: string;
  /** Key protecting recipe secrets (KILN_SECRET_KEY). */
  secretKey?: string;
}

export function catalogConfig(config: ServerConfig): ServerConfig & TCatalogConfigExtras {
  return config as ServerConfig & TCatalogConfigExtras;
}

export function catalogLimits(config: ServerConfig): TCatalogLimits {
  const c = catalogConfig(config);
  return {
    maxArchiveBytes: c.maxCatalogBytes,
    maxTreeBytes: c.maxCatalogTreeBytes ?? c.maxCatalogBytes * 10,
    maxEntries: c.maxCatalogEntries ?? 20_000,
  };
}

export function catalogCacheDir(config: ServerConfig): string {
  return (
    catalogConfig(config).catalogCacheDir ??
    path.join(os.tmpdir(), `kiln-catalog-cache-${os.userInfo().uid}`)
  );
}
