import { expect } from "vitest";
import { hashRegistrationToken } from "../services/agents/create-registration-token.ts";
import { dispatchQueued } from "../services/dispatch/dispatch-queued.ts";
import { addAgent, createFixture } from "../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../testing/describe-each-provider.ts";

describeEachProvider("agents router", (provider, run) => {
  const f = useFixture(provider, createFixture);

  run("lists agents with their builds, hiding other teams' builds", async () => {
    const agentId = await addAgent(f, "lister", { labels: { zone: "eu" }, capacity: 2 });
    const mine = await f
      .caller(f.users.alice)
      .builds.create({ recipeVersionId: f.recipeVersionId });
    await f
      .caller(f.users.bob)
      .builds.create({ teamId: f.teamB, request: { elements: ["ubuntu"], arch: "amd64" } });
    await dispatchQueued(f.deps);
    const [alice] = await f.caller(f.users.alice).agents.list();
    expect(alice).toMatchObject({
      id: agentId,
      name: "lister",
      labels: { zone: "eu" },
      hiddenBuilds: 1,
    });
    expect(alice!.builds.map((b) => b.id)).toEqual([mine.id]);
    const [admin] = await f.caller(f.users.admin).agents.list();
    expect(admin!.builds).toHaveLength(2);
  });

  run("drain, revoke and registration tokens are for administrators", async () => {
    const agentId = await addAgent(f, "ops");
    const alice = f.caller(f.users.alice);
    await expect(alice.agents.drain({ agentId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(alice.agents.revoke({ agentId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(alice.agents.createRegistrationToken({})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const admin = f.caller(f.users.admin);
    expect(await admin.agents.drain({ agentId })).toEqual({ state: "DRAINING" });
    expect(f.published(`agent:${agentId}`)).toContainEqual({ type: "drain" });
    expect(await admin.agents.drain({ agentId, draining: false })).toEqual({ state: "ONLINE" });
    // An offline agent keeps the choice for when it returns.
    await f.db.prisma.agent.update({ where: { id: agentId }, data: { state: "OFFLINE" } });
    expect(await admin.agents.drain({ agentId })).toEqual({ state: "OFFLINE" });
    expect((await f.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).draining).toBe(
      true,
    );
    await admin.agents.drain({ agentId, draining: false });
    await f.db.prisma.agent.update({ where: { id: agentId }, data: { state: "ONLINE" } });

    const { id } = await alice.builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
      agentLabels: { only: "ops" },
    });
    await f.db.prisma.agent.update({
      where: { id: agentId },
      data: { labels: JSON.stringify({ only: "ops" }) },
    });
    await dispatchQueued(f.deps);
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).agentId).toBe(agentId);
    expect(await admin.agents.revoke({ agentId })).toEqual({ lostBuilds: 1 });
    expect(await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "QUEUED",
      requeueCount: 1,
    });
    expect(f.published(`agent:${agentId}`)).toContainEqual({ type: "revoked" });

    const tok = await admin.agents.createRegistrationToken({
      labels: { zone: "eu west" },
      ttlHours: 2,
    });
    expect(tok.token).toMatch(/^kiln_reg_/);
    expect(tok.command).toBe(`kiln agent --server http://127.0.0.1:3000 --token ${tok.token}`);
    const row = await f.db.prisma.agentRegistrationToken.findUniqueOrThrow({
      where: { id: tok.id },
    });
    expect(row.tokenHash).toBe(hashRegistrationToken(tok.token));
    expect(JSON.parse(row.labels)).toEqual({ zone: "eu west" });
    // The fixture's clock ticks on every read: one read makes the TTL exact.
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(2 * 3600_000);
  });
});
