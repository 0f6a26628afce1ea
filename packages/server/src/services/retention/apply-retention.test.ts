import { expect } from "vitest";
import { createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { applyRetention } from "./apply-retention.ts";

describeEachProvider("retention", (provider, run) => {
  const f = useFixture(provider, createFixture);

  run("keeps the newest N successes plus pinned ones and purges the rest", async () => {
    const alice = f.caller(f.users.alice);
    const statuses = [
      "SUCCEEDED",
      "FAILED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "FAILED",
      "SUCCEEDED",
      "RUNNING",
    ];
    const ids: string[] = [];
    for (const status of statuses) {
      const { id } = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
      await f.db.prisma.build.update({ where: { id }, data: { status } });
      const key = `builds/${id}/artifacts/img.raw`;
      await f.deps.store.put(key, new Uint8Array(10));
      await f.db.prisma.artifact.create({
        data: {
          buildId: id,
          type: "raw",
          fileName: "img.raw",
          sizeBytes: 10n,
          sha256: "0".repeat(64),
          md5: "0".repeat(32),
          storageKey: key,
        },
      });
      await f.db.prisma.logChunk.create({
        data: { buildId: id, seq: 0, offset: 0, data: new Uint8Array([65]) },
      });
      ids.push(id);
    }
    await alice.builds.pin({ buildId: ids[0]!, pinned: true });
    await f.db.prisma.recipe.update({ where: { id: f.recipeId }, data: { keepBuilds: 2 } });

    const r = await applyRetention(f.deps);
    // Kept: #6 and #4 (newest 2 successes), #5 (a failure newer than them), #0 (pinned), #7 (running).
    expect(new Set(r.purged)).toEqual(new Set([ids[1], ids[2], ids[3]]));
    expect(r.freedBytes).toBe(30);
    for (const [i, id] of ids.entries()) {
      const purged = r.purged.includes(id);
      const b = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
      expect(b.deletedAt !== null, `build ${i}`).toBe(purged);
      expect(await f.db.prisma.artifact.count({ where: { buildId: id } })).toBe(purged ? 0 : 1);
      expect(await f.db.prisma.logChunk.count({ where: { buildId: id } })).toBe(purged ? 0 : 1);
      expect((await f.deps.store.stat(`builds/${id}/artifacts/img.raw`)) === null).toBe(purged);
    }
    expect((await applyRetention(f.deps)).purged).toEqual([]);

    // The server default applies when the recipe sets none (3 here); nothing more to remove.
    await f.db.prisma.recipe.update({ where: { id: f.recipeId }, data: { keepBuilds: null } });
    expect((await applyRetention(f.deps)).purged).toEqual([]);
  });
});
