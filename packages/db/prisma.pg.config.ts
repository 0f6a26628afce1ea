/* eslint-disable no-restricted-properties -- a Prisma CLI entry point reads env like an app's env.ts */
// Prisma CLI config for PostgreSQL: `prisma <cmd> --config prisma.pg.config.ts`.
import { pgCliAdapter } from "./scripts/prisma-cli-adapters.ts";
import { defaultEnv, prismaCliConfig } from "./scripts/prisma-cli-config.ts";

const url = defaultEnv("KILN_PG_URL", () =>
  /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "")
    ? process.env.DATABASE_URL!
    : "postgresql://postgres:postgres@127.0.0.1:5432/kiln",
);

export default prismaCliConfig("pg", () => pgCliAdapter(url));
