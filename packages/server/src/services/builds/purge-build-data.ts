import type { ServerDeps } from "../../context.ts";

/** Store prefix of everything a build owns (logs spilled from the database, artifacts). */
export const buildStorePrefix = (buildId: string) => `builds/${buildId}/`;

/**
 * Removes a build's artifacts and logs, from the store and the database, and
 * marks it deleted. Store objects go first: a crash in between leaves rows
 * pointing at nothing (re-running finishes the job), never orphaned blobs.
 */
export async function purgeBuildData(
  deps: ServerDeps,
  buildId: string,
): Promise<{ freedBytes: number }> {
  const p = deps.db.prisma;
  const artifacts = await p.artifact.findMany({
    where: { buildId },
    select: { storageKey: true, sizeBytes: true },
  });
  let freedBytes = 0;
  for (const a of artifacts) {
    await deps.store.delete(a.storageKey);
    freedBytes += Number(a.sizeBytes);
  }
  for await (const obj of deps.store.list(buildStorePrefix(buildId))) {
    await deps.store.delete(obj.key);
    freedBytes += obj.size;
  }
  await p.$transaction([
    p.artifact.deleteMany({ where: { buildId } }),
    p.logChunk.deleteMany({ where: { buildId } }),
    p.build.update({ where: { id: buildId }, data: { deletedAt: deps.now(), logBytes: 0 } }),
  ]);
  return { freedBytes };
}
