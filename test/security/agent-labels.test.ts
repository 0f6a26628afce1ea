/**
 * An agent may not route itself: one registered with `pool=general` that says
 * `pool=team-b-secure` in HELLO must not receive team B's build, nor its
 * secrets. A real server, real agents over real WebSockets on 127.0.0.1.
 */
import { expect } from "vitest";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { describeEachProvider, useFixture } from "@kiln/server/testing/describe-each-provider";
import {
  addSecretRecipe,
  connectPoolAgent,
  createServedFixture,
} from "@kiln/server/testing/tenancy-fixture";

const SECRET = "SUPERSECRET-team-b-repo-token";

describeEachProvider("agent routing labels", (provider, run) => {
  const f = useFixture(provider, (p) => createServedFixture(p, "agent labels test key"));

  run("HELLO cannot add or change a routing label, so no other team's secrets arrive", async () => {
    // Bob's recipe asks for team B's agents by label. Shared pools are allowed
    // here so that only the labels decide: this is about who sets them.
    const bobRecipe = await addSecretRecipe(f, f.teamB, {
      name: "bob-recipe",
      secret: { name: "DIB_REPO_TOKEN", value: SECRET },
      agentLabels: { pool: "team-b-secure" },
      allowSharedPools: true,
    });
    const intruder = await connectPoolAgent(f, f.server.url, "general-1", {
      labels: { pool: "general" },
      helloLabels: { pool: "team-b-secure" },
    });
    expect(intruder.welcomeLabels).toEqual({ pool: "general" });
    const row = await f.db.prisma.agent.findUniqueOrThrow({ where: { id: intruder.id } });
    expect(JSON.parse(row.labels)).toEqual({ pool: "general" });

    const build = await f.caller(f.users.bob).builds.create({
      recipeVersionId: bobRecipe.recipeVersionId,
    });
    expect((await dispatchQueued(f.deps)).assigned).toEqual([]);
    const waiting = await f.db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(waiting).toMatchObject({ status: "QUEUED", agentId: null });
    expect(waiting.waitingReason).toBe("agent general-1 lacks label pool=team-b-secure");

    // An agent the server labelled for team B gets it, with the secret: the build was runnable.
    const owner = await connectPoolAgent(f, f.server.url, "team-b-1", {
      labels: { pool: "team-b-secure" },
    });
    // Its HELLO already asks for a dispatch; this one makes sure of it.
    await dispatchQueued(f.deps);
    const assign = await owner.agent.next("ASSIGN", (m) => m.buildId === build.id);
    expect(assign.env).toContainEqual({ name: "DIB_REPO_TOKEN", value: SECRET, secret: true });
    const assigned = await f.db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(assigned).toMatchObject({ status: "ASSIGNED", agentId: owner.id });
    // Whatever the intruder was sent, none of it was an ASSIGN or carried the secret.
    expect(intruder.agent.received.map((m) => m.type)).not.toContain("ASSIGN");
    expect(JSON.stringify(intruder.agent.received)).not.toContain(SECRET);
    intruder.agent.ws.close();
    owner.agent.ws.close();
  });
});
