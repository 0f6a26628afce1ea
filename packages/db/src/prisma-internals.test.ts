import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PRISMA_LOCK_KEY, PRISMA_MIGRATIONS_TABLE_PG } from "./migrate-pg.ts";
import { PRISMA_MIGRATIONS_TABLE_SQLITE } from "./migrate-sqlite.ts";

// migrateDatabase shares `_prisma_migrations` and the advisory lock with the
// Prisma CLI. Both are Prisma's unpublished internals, so these tests read
// them out of the installed schema engine: after a Prisma upgrade that
// changes either, they fail here instead of the two silently diverging.
const engine = readFileSync(
  path.join(
    path.dirname(createRequire(import.meta.url).resolve("prisma/package.json")),
    "build/schema_engine_bg.wasm",
  ),
).toString("latin1");

describe("the Prisma internals the migration runner relies on", () => {
  it("PostgreSQL: the schema engine takes the same advisory lock", () => {
    expect(engine).toContain(`pg_advisory_lock(${PRISMA_LOCK_KEY})`);
  });

  it("PostgreSQL: the schema engine creates the same _prisma_migrations table", () => {
    expect(engine).toContain(PRISMA_MIGRATIONS_TABLE_PG);
  });

  it("SQLite: the schema engine creates the same _prisma_migrations table", () => {
    expect(engine).toContain(PRISMA_MIGRATIONS_TABLE_SQLITE);
  });
});
