/* eslint-disable no-restricted-properties -- the Prisma CLI configs read env like an app's env.ts */
/**
 * What prisma.sqlite.config.ts and prisma.pg.config.ts share: the wasm schema
 * engine driven through a driver adapter (so the CLI downloads nothing), the
 * schema and migrations under the repository's prisma/<provider>/, and env
 * defaults.
 */
import path from "node:path";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { defineConfig } from "prisma/config";
import { unrefLongTimers } from "./unref-timers.ts";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

unrefLongTimers();
// The CLI's phone-home.
process.env.CHECKPOINT_DISABLE ??= "1";

/**
 * Sets `name` unless it is set. Every variable a schema reads needs a value:
 * if the CLI cannot read the schema it falls back to the classic engine and
 * tries to download one (and fails offline).
 */
export function defaultEnv(name: string, value: () => string): string {
  process.env[name] ??= value();
  return process.env[name];
}

export function prismaCliConfig(
  provider: "sqlite" | "pg",
  adapter: () => SqlMigrationAwareDriverAdapterFactory,
): ReturnType<typeof defineConfig> {
  return defineConfig({
    experimental: { adapter: true },
    engine: "js",
    adapter: async () => adapter(),
    schema: path.join(repoRoot, `prisma/${provider}/schema.prisma`),
    migrations: { path: path.join(repoRoot, `prisma/${provider}/migrations`) },
  });
}
