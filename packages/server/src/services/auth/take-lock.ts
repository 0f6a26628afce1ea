import type { Prisma } from "@kiln/db/client";

/**
 * Serialize transactions that check an invariant across rows ("the last
 * owner", "the last admin"): under PostgreSQL's read committed two
 * transactions could each see the other's row still there and both remove
 * theirs. Upserting one `Setting` row takes a row lock held to commit, so the
 * second waits and then reads the first one's result. SQLite already allows
 * one writer at a time; the same statement works there.
 */
export async function takeLock(tx: Prisma.TransactionClient, name: string): Promise<void> {
  const key = `lock:${name}`;
  await tx.$executeRaw`INSERT INTO "Setting" ("key", "value") VALUES (${key}, '') ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`;
}
