import type { ServerDeps } from "../../context.ts";

const KEY = "build.number";

/**
 * The next human build number. One `UPDATE … RETURNING` on a counter row is
 * atomic on both databases, so concurrent creations (even from two server
 * processes) never share a number; a failed creation leaves a gap, which is
 * harmless. The counter starts from the highest existing number so imported
 * or seeded builds are never renumbered.
 */
export async function nextBuildNumber(deps: ServerDeps): Promise<number> {
  const p = deps.db.prisma;
  for (let attempt = 0; attempt < 2; attempt++) {
    const rows = await p.$queryRaw<{ value: string }[]>`
      UPDATE "Setting" SET "value" = CAST(CAST("value" AS INTEGER) + 1 AS TEXT)
      WHERE "key" = ${KEY} RETURNING "value"`;
    if (rows[0]) return Number(rows[0].value);
    // SQLite needs the WHERE before ON CONFLICT in INSERT … SELECT; PostgreSQL accepts it.
    await p.$executeRaw`
      INSERT INTO "Setting" ("key", "value")
      SELECT ${KEY}, CAST(COALESCE(MAX("number"), 0) AS TEXT) FROM "Build" WHERE 1 = 1
      ON CONFLICT ("key") DO NOTHING`;
  }
  throw new Error("build number counter could not be created");
}
