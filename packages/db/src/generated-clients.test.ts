import { describe, expect, it } from "vitest";
import { Prisma as PgPrisma } from "./generated/pg/client.ts";
import { Prisma as SqlitePrisma } from "./generated/sqlite/client.ts";

/** Every exported `<Model>ScalarFieldEnum`: the scalar columns of each model. */
function scalarFields(namespace: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(namespace).filter(([name]) => name.endsWith("ScalarFieldEnum")),
  );
}

// createDb types the PostgreSQL client as the SQLite one (asDbClient in
// client.ts); that is only sound while both clients carry the same models.
describe("the two generated clients", () => {
  it("have the same models", () => {
    expect(PgPrisma.ModelName).toEqual(SqlitePrisma.ModelName);
  });

  it("have the same scalar fields on every model", () => {
    const sqlite = scalarFields(SqlitePrisma);
    expect(Object.keys(sqlite).length).toBeGreaterThan(10);
    expect(scalarFields(PgPrisma)).toEqual(sqlite);
  });
});
