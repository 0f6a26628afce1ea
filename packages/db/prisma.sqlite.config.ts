/* eslint-disable no-restricted-properties -- a Prisma CLI entry point reads env like an app's env.ts */
// Prisma CLI config for SQLite: `prisma <cmd> --config prisma.sqlite.config.ts`.
import { sqliteCliAdapter } from "./scripts/prisma-cli-adapters.ts";
import { defaultEnv, prismaCliConfig, repoRoot } from "./scripts/prisma-cli-config.ts";
import { resolveStorageLocation } from "./src/storage-location.ts";

// The server's database when it is SQLite, else the file it would use.
const url = defaultEnv(
  "KILN_SQLITE_URL",
  () =>
    resolveStorageLocation(
      {
        DATABASE_URL: process.env.DATABASE_URL?.startsWith("file:")
          ? process.env.DATABASE_URL
          : undefined,
        KILN_DATA_DIR: process.env.KILN_DATA_DIR,
      },
      repoRoot,
    ).databaseUrl,
);

export default prismaCliConfig("sqlite", () => sqliteCliAdapter(url));
