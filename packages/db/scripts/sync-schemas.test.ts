import { describe, expect, it } from "vitest";
import { renderBody, renderSchema, syncSchemas } from "./sync-schemas.ts";

const models = `// comment
model A {
  id    String   @id
  at    DateTime @default(now())
  maybe DateTime?
  set   DateTime @db.Timestamp(6)
  /// DateTime in a doc comment stays
  @@index([at])
}
`;

describe("sync-schemas", () => {
  it("gives PostgreSQL timestamptz columns and leaves SQLite's text as written", () => {
    expect(renderBody(models, "sqlite")).toBe(models);
    const pg = renderBody(models, "pg");
    expect(pg).toContain("  at    DateTime @default(now()) @db.Timestamptz(3)\n");
    expect(pg).toContain("  maybe DateTime? @db.Timestamptz(3)\n");
    expect(pg).toContain("  set   DateTime @db.Timestamp(6)\n");
    expect(pg).toContain("  /// DateTime in a doc comment stays\n");
  });

  it("writes each provider's generator and datasource header", () => {
    const pg = renderSchema(models, "pg");
    expect(pg).toMatch(/provider = "postgresql"\n {2}url {6}= env\("KILN_PG_URL"\)/);
    expect(pg).toContain('output                 = "../../packages/db/src/generated/pg"');
    expect(renderSchema(models, "sqlite")).toContain('engineType             = "client"');
  });

  it("rejects a generator or datasource block in models.prisma, naming the line", () => {
    expect(() =>
      renderBody("model A {\n}\ndatasource db {\n}\n", "sqlite", "prisma/models.prisma"),
    ).toThrow("prisma/models.prisma:3: datasource blocks belong in the rendered schemas");
  });

  it("finds the committed schemas up to date with models.prisma", () => {
    expect(syncSchemas({ check: true })).toEqual([]);
  });
});
