/* eslint-disable no-restricted-properties -- a Prisma CLI entry point reads env like an app's env.ts */
// Prisma CLI config for SQLite: `prisma <cmd> --config prisma.sqlite.config.ts`.
import "./scripts/unref-timers.ts";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { sqliteCliAdapter } from "./scripts/prisma-cli-adapters.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

// Every variable gets a default: if the CLI cannot read the schema it falls
// back to the classic engine and tries to download one (and fails offline).
process.env.CHECKPOINT_DISABLE ??= "1";
process.env.KILN_SQLITE_URL ??= process.env.DATABASE_URL?.startsWith("file:")
  ? process.env.DATABASE_URL
  : "file:" + path.join(process.env.KILN_DATA_DIR ?? path.join(repoRoot, "data"), "kiln.db");

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => sqliteCliAdapter(process.env.KILN_SQLITE_URL!),
  schema: path.join(repoRoot, "prisma/sqlite/schema.prisma"),
  migrations: { path: path.join(repoRoot, "prisma/sqlite/migrations") },
});
