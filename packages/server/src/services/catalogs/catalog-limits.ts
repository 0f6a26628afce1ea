/**
 * Limits on imported element trees, from the server config; the optional
 * fields get defaults here (tests shrink them).
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

export function catalogLimits(config: ServerConfig): TCatalogLimits {
  return {
    maxArchiveBytes: config.maxCatalogBytes,
    maxTreeBytes: config.maxCatalogTreeBytes ?? config.maxCatalogBytes * 10,
    maxEntries: config.maxCatalogEntries ?? 20_000,
  };
}

export function catalogCacheDir(config: ServerConfig): string {
  return (
    config.catalogCacheDir ?? path.join(os.tmpdir(), `kiln-catalog-cache-${os.userInfo().uid}`)
  );
}
