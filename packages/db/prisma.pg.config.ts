/* eslint-disable no-restricted-properties -- a Prisma CLI entry point reads env like an app's env.ts */
// Prisma CLI config for PostgreSQL: `prisma <cmd> --config prisma.pg.config.ts`.
import "./scripts/unref-timers.ts";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { patchPgNameColumns, pgCliAdapter } from "./scripts/prisma-cli-adapters.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");

// Every variable gets a default: if the CLI cannot read the schema it falls
// back to the classic engine and tries to download one (and fails offline).
process.env.CHECKPOINT_DISABLE ??= "1";
process.env.KILN_PG_URL ??= /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "")
  ? process.env.DATABASE_URL
  : "postgresql://postgres:postgres@127.0.0.1:5432/kiln";

patchPgNameColumns();

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => pgCliAdapter(process.env.KILN_PG_URL!),
  schema: path.join(repoRoot, "prisma/pg/schema.prisma"),
  migrations: { path: path.join(repoRoot, "prisma/pg/migrations") },
});
