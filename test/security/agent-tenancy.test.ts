/**
 * Agent pools keep teams' builds apart: a build runs only on agents of pools
 * its team may use, and a build carrying secrets only on its own team's pools
 * unless its recipe allows shared ones. A real server, agents registered over
 * HTTP into their pools and connected over real WebSockets on 127.0.0.1.
 */
import { expect } from "vitest";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { describeEachProvider, useFixture } from "@kiln/server/testing/describe-each-provider";
import {
  addSecretRecipe,
  connectPoolAgent,
  createServedFixture,
} from "@kiln/server/testing/tenancy-fixture";

const SECRET = "team-b-api-password";
const adHoc = (teamId: string) => ({
  teamId,
  request: { elements: ["ubuntu"], arch: "amd64" },
});

describeEachProvider("agent pools", (provider, run) => {
  const f = useFixture(provider, (p) => createServedFixture(p, "agent tenancy test key"));
  const statusOf = (id: string) => f.db.prisma.build.findUniqueOrThrow({ where: { id } });

  run("team and shared pools decide where builds and their secrets go", async () => {
    const admin = f.caller(f.users.admin);
    await admin.pools.create({ name: "team-a-only", teamId: f.teamA });
    const shared = await admin.pools.create({ name: "shared-b" });
    await admin.pools.share({ poolId: shared.id, teamId: f.teamB });
    const a1 = await connectPoolAgent(f, f.server.url, "a-host", { pool: "team-a-only" });

    // Team B may not use team A's pool: its build waits, and says why.
    const bobBuild = await f.caller(f.users.bob).builds.create(adHoc(f.teamB));
    await dispatchQueued(f.deps);
    expect(await statusOf(bobBuild.id)).toMatchObject({
      status: "QUEUED",
      agentId: null,
      waitingReason: "no agent in the pools it may use (default, shared-b)",
    });
    // Team A's build does run there (the agent takes work).
    const aliceBuild = await f.caller(f.users.alice).builds.create(adHoc(f.teamA));
    await dispatchQueued(f.deps);
    await a1.agent.next("ASSIGN", (m) => m.buildId === aliceBuild.id);
    expect(await statusOf(bobBuild.id)).toMatchObject({ status: "QUEUED", agentId: null });

    // The shared pool opened to team B takes team B's build (its HELLO asks for a dispatch).
    const s1 = await connectPoolAgent(f, f.server.url, "shared-host", { pool: "shared-b" });
    await dispatchQueued(f.deps);
    await s1.agent.next("ASSIGN", (m) => m.buildId === bobBuild.id);

    // A recipe with secrets stays off shared pools until the recipe allows them.
    const recipe = await addSecretRecipe(f, f.teamB, {
      name: "bob-secrets",
      secret: { name: "API_PASSWORD", value: SECRET },
    });
    const secretBuild = await f.caller(f.users.bob).builds.create({
      recipeVersionId: recipe.recipeVersionId,
    });
    await dispatchQueued(f.deps);
    expect(await statusOf(secretBuild.id)).toMatchObject({
      status: "QUEUED",
      waitingReason:
        "no agent pool of its team (its recipe has secrets, so it runs only on its team's own pools, unless the recipe allows shared pools)",
    });
    await f.caller(f.users.bob).recipes.update({
      recipeId: recipe.recipeId,
      allowSharedPools: true,
    });
    await dispatchQueued(f.deps);
    const assign = await s1.agent.next("ASSIGN", (m) => m.buildId === secretBuild.id);
    expect(assign.env).toContainEqual({ name: "API_PASSWORD", value: SECRET, secret: true });

    // Team A's agent never saw team B's work.
    expect(JSON.stringify(a1.agent.received)).not.toContain(bobBuild.id);
    expect(JSON.stringify(a1.agent.received)).not.toContain(SECRET);
    a1.agent.ws.close();
    s1.agent.ws.close();
  });

  run(
    "only administrators share pools; team owners manage their own; members neither",
    async () => {
      const shared = await f.caller(f.users.admin).pools.create({ name: "shared-x" });
      const bob = f.caller(f.users.bob); // maintainer of team B
      const alice = f.caller(f.users.alice); // member of team A
      await expect(bob.pools.share({ poolId: shared.id, teamId: f.teamB })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(bob.pools.create({ name: "own-b", teamId: f.teamB })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(alice.pools.create({ name: "x", teamId: f.teamB })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      await expect(alice.pools.create({ name: "shared-y" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      // Loosening where a recipe's secrets may go takes a maintainer.
      await expect(
        alice.recipes.update({ recipeId: f.recipeId, allowSharedPools: false }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      // An agent never picks its pool: tokens name it, and an unknown one is refused.
      await expect(
        f.caller(f.users.admin).agents.createRegistrationToken({ pool: "no-such-pool" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    },
  );
});
