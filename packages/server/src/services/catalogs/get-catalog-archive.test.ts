import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { expect } from "vitest";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { dispatchQueued } from "../dispatch/dispatch-queued.ts";
import { getCatalogArchive } from "./get-catalog-archive.ts";
import { registerBuiltinCatalog } from "./manage-catalogs.ts";

describeEachProvider("getCatalogArchive", (provider, run) => {
  const f = useFixture(provider, createFixture);
  const notFound = { code: "NOT_FOUND" };

  run("streams a version named by its hash to the agent of a build that uses it", async () => {
    const { version } = await registerBuiltinCatalog(f.deps);
    const stored = await text(await f.deps.store.get(version.storageKey));
    expect(stored.length).toBeGreaterThan(0);
    const agentId = await addAgent(f, "archive-runner");
    const idle = await addAgent(f, "archive-idle", { state: "OFFLINE" });
    // Before any build uses it, no agent gets it.
    await expect(getCatalogArchive(f.deps, agentId, version.sha256)).rejects.toMatchObject(
      notFound,
    );
    await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    expect((await dispatchQueued(f.deps)).assigned).toEqual([
      { buildId: expect.any(String), agentId },
    ]);
    expect(await text(await getCatalogArchive(f.deps, agentId, version.sha256))).toBe(stored);
    await expect(getCatalogArchive(f.deps, idle, version.sha256)).rejects.toMatchObject(notFound);
    await expect(getCatalogArchive(f.deps, agentId, "cd".repeat(32))).rejects.toMatchObject(
      notFound,
    );
  });

  run("a recipe build's catalog versions go to its agent only", async () => {
    const sha256 = "ab".repeat(32); // the fixture recipe's catalog version
    await f.deps.store.put("catalogs/core.tar", Readable.from([Buffer.from("core tree")]));
    const agentId = await addAgent(f, "recipe-runner");
    const other = await addAgent(f, "recipe-other");
    await f.db.prisma.agent.update({ where: { id: other }, data: { state: "OFFLINE" } });
    await f.caller(f.users.alice).builds.create({ recipeVersionId: f.recipeVersionId });
    await dispatchQueued(f.deps);
    expect(await text(await getCatalogArchive(f.deps, agentId, sha256))).toBe("core tree");
    await expect(getCatalogArchive(f.deps, other, sha256)).rejects.toMatchObject(notFound);
  });
});
