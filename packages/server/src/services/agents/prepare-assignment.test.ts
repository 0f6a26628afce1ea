import { expect } from "vitest";
import { registerBuiltinCatalog } from "../catalogs/manage-catalogs.ts";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { agentCatalogPath, assignmentFor, prepareAssignment } from "./prepare-assignment.ts";

const adhoc = (teamId: string) => ({
  teamId,
  request: { elements: ["ubuntu", "nginx"], arch: "amd64" },
});

describeEachProvider("assignmentFor", (provider, run) => {
  const f = useFixture(provider, createFixture);
  const frameOf = async (id: string) =>
    assignmentFor(f.deps, await f.db.prisma.build.findUniqueOrThrow({ where: { id } }));

  run("ad-hoc builds carry the builtin version they were resolved against", async () => {
    const alice = f.caller(f.users.alice);
    // No builtin version registered yet: the agent's own built-ins, as ever.
    const before = await alice.builds.create(adhoc(f.teamA));
    expect((await frameOf(before.id)).elementsPath).toEqual([]);

    const { version } = await registerBuiltinCatalog(f.deps);
    const after = await alice.builds.create(adhoc(f.teamA));
    expect((await frameOf(after.id)).elementsPath).toEqual([
      { name: "builtin", sha256: version.sha256, url: agentCatalogPath(version.sha256) },
    ]);
    // The build created before keeps what it was resolved against.
    expect((await frameOf(before.id)).elementsPath).toEqual([]);
  });

  run("recipe builds carry the recipe's catalog versions, in order", async () => {
    // The fixture's secret is a placeholder that does not decrypt; this is about catalogs.
    await f.db.prisma.recipeVersion.update({
      where: { id: f.recipeVersionId },
      data: { env: "[]" },
    });
    const { id } = await f.caller(f.users.alice).builds.create({
      recipeVersionId: f.recipeVersionId,
    });
    const sha256 = "ab".repeat(32);
    expect((await frameOf(id)).elementsPath).toEqual([
      { name: "core", sha256, url: agentCatalogPath(sha256) },
    ]);
  });

  run("a corrupt resolved-element list names the build instead of assigning", async () => {
    const { id } = await f.caller(f.users.alice).builds.create(adhoc(f.teamA));
    await f.db.prisma.build.update({
      where: { id },
      data: { resolvedElements: JSON.stringify([{ catalogSha256: 7 }]) },
    });
    await expect(frameOf(id)).rejects.toThrow(`build ${id}: stored resolved elements are invalid`);
  });

  run("prepareAssignment hands over only a build still ASSIGNED to that agent", async () => {
    const agentId = await addAgent(f, "assignee");
    const other = await addAgent(f, "other");
    const { id } = await f.caller(f.users.alice).builds.create(adhoc(f.teamA));
    expect(await prepareAssignment(f.deps, agentId, id)).toBeNull(); // still QUEUED
    await f.db.prisma.build.update({ where: { id }, data: { status: "ASSIGNED", agentId } });
    expect(await prepareAssignment(f.deps, other, id)).toBeNull();
    expect(await prepareAssignment(f.deps, agentId, id)).toMatchObject({
      type: "ASSIGN",
      buildId: id,
      artifactUploadUrl: `/api/agents/builds/${id}/artifacts/`,
    });
  });

  run("a build that cannot be handed over is ERRORED, not left ASSIGNED", async () => {
    const agentId = await addAgent(f, "unlucky");
    const { id } = await f.caller(f.users.alice).builds.create(adhoc(f.teamA));
    await f.db.prisma.build.update({
      where: { id },
      data: { status: "ASSIGNED", agentId, request: JSON.stringify({ elements: 7 }) },
    });
    expect(await prepareAssignment(f.deps, agentId, id)).toBeNull();
    const build = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
    expect(build.status).toBe("ERRORED");
    expect(build.failureMessage).toMatch(/^could not prepare the build for the agent: /);
    expect(f.published(`build:${id}`)).toContainEqual({ kind: "status", status: "ERRORED" });
  });
});
