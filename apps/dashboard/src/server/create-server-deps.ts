import { readFileSync } from "node:fs";
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { createDirectoryArtifactStore, type ArtifactStore } from "@kiln/db/artifact-store";
import { createS3ArtifactStore } from "@kiln/db/s3-artifact-store";
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

/** The one `ServerDeps` of this process, from the parsed environment. */
export function createServerDeps(env: TDashboardEnv, logger: ServerLogger): ServerDeps {
  const config = {
    version: kilnVersion(),
    builtinElementsDir: env.builtinElementsDir,
    keepBuildsDefault: env.KILN_KEEP_BUILDS,
    maxCatalogBytes: env.KILN_MAX_CATALOG_MB * 1024 * 1024,
    publicUrl: env.publicUrl,
    secretKey: env.secretKey,
    catalogCacheDir: path.join(env.dataDir, "catalog-cache"),
  };
  return {
    db: createDb({ url: env.databaseUrl }),
    store: createArtifactStore(env),
    bus: new EventBus(),
    logger,
    config,
    now: () => new Date(),
  };
}

/** S3 when a bucket is configured, else the directory store. */
function createArtifactStore(env: TDashboardEnv): ArtifactStore {
  if (!env.KILN_S3_BUCKET) return createDirectoryArtifactStore({ root: env.artifactsDir });
  return createS3ArtifactStore({
    endpoint: env.KILN_S3_ENDPOINT,
    region: env.KILN_S3_REGION,
    bucket: env.KILN_S3_BUCKET,
    accessKeyId: env.KILN_S3_ACCESS_KEY_ID as string,
    secretAccessKey: env.KILN_S3_SECRET_ACCESS_KEY as string,
    forcePathStyle: env.KILN_S3_FORCE_PATH_STYLE === "true",
    prefix: env.KILN_S3_PREFIX,
  });
}
