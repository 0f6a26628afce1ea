import { readFileSync } from "node:fs";
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { openArtifactStore } from "@kiln/db/open-artifact-store";
import type { ServerDeps } from "@kiln/server/context";
import { EventBus } from "@kiln/server/event-bus";
import { repoRoot, type TDashboardEnv } from "../env.ts";
import type { ServerLogger } from "./create-logger.ts";

/** Kiln's version: the root package.json's. */
export function kilnVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "0.0.0";
}

function mebibytes(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1024 * 1024;
}

/** The one `ServerDeps` of this process, from the parsed environment and the loaded secret key. */
export function createServerDeps(
  env: TDashboardEnv,
  logger: ServerLogger,
  secretKey: string,
): ServerDeps {
  const config = {
    version: kilnVersion(),
    builtinElementsDir: env.builtinElementsDir,
    keepBuildsDefault: env.KILN_KEEP_BUILDS,
    maxCatalogBytes: env.KILN_MAX_CATALOG_MB * 1024 * 1024,
    publicUrl: env.publicUrl,
    publicUrlConfigured: env.KILN_PUBLIC_URL !== undefined,
    http: {
      maxBodyBytes: env.KILN_MAX_BODY_KB * 1024,
      maxBatchSize: env.KILN_TRPC_MAX_BATCH,
      headersTimeoutMs: env.KILN_HEADERS_TIMEOUT_S * 1000,
      requestTimeoutMs: env.KILN_REQUEST_TIMEOUT_S * 1000,
      keepAliveTimeoutMs: env.KILN_KEEPALIVE_TIMEOUT_S * 1000,
      idleTimeoutMs: env.KILN_IDLE_TIMEOUT_S * 1000,
    },
    sessionMaxLifetimeMs: env.KILN_SESSION_MAX_DAYS * 24 * 60 * 60_000,
    secretKey,
    catalogCacheDir: path.join(env.dataDir, "catalog-cache"),
    trustedProxies: env.KILN_TRUSTED_PROXIES,
    signInFailuresPerAddress: env.KILN_SIGNIN_FAILURES_PER_ADDRESS,
    maxConcurrentImports: env.KILN_MAX_CONCURRENT_IMPORTS,
    maxExtractingBytes: mebibytes(env.KILN_CATALOG_EXTRACT_BUDGET_MB),
    gitAllowedHosts: env.KILN_GIT_ALLOWED_HOSTS,
    gitCaFile: env.KILN_GIT_CA_FILE,
    gitTimeoutMs: env.KILN_GIT_TIMEOUT_SECONDS * 1000,
    gitMaxFetchBytes: mebibytes(env.KILN_GIT_MAX_FETCH_MB),
  };
  return {
    db: createDb({ url: env.databaseUrl }),
    store: openArtifactStore(env.artifactStore),
    bus: new EventBus(),
    logger,
    config,
    now: () => new Date(),
  };
}
