import { expect } from "vitest";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { prepareAssignment } from "../agents/prepare-assignment.ts";
import { dispatchQueued } from "../dispatch/dispatch-queued.ts";
import { DEFAULT_POOL_ID } from "./pool-access.ts";

describeEachProvider("agent pools", (provider, run) => {
  const f = useFixture(provider, createFixture);
  const adHoc = (teamId: string) => ({ teamId, request: { elements: ["ubuntu"], arch: "amd64" } });
  const build = (id: string) => f.db.prisma.build.findUniqueOrThrow({ where: { id } });

  run("the default pool serves every team and cannot be deleted", async () => {
    const admin = f.caller(f.users.admin);
    const all = await admin.pools.list();
    expect(all.find((pool) => pool.id === DEFAULT_POOL_ID)).toMatchObject({
      name: "default",
      team: null,
      sharedWithAll: true,
    });
    await expect(admin.pools.delete({ poolId: DEFAULT_POOL_ID })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  run("each team lists the pools it may use; administrators all", async () => {
    const admin = f.caller(f.users.admin);
    const own = await admin.pools.create({ name: "list-a", teamId: f.teamA });
    const shared = await admin.pools.create({ name: "list-shared" });
    await admin.pools.share({ poolId: shared.id, teamId: f.teamB });
    const names = async (who: keyof typeof f.users) =>
      (await f.caller(f.users[who]).pools.list()).map((pool) => pool.name);
    expect(await names("alice")).toEqual(expect.arrayContaining(["default", "list-a"]));
    expect(await names("alice")).not.toContain("list-shared");
    expect(await names("bob")).toEqual(expect.arrayContaining(["default", "list-shared"]));
    expect(await names("bob")).not.toContain("list-a");
    expect(await names("admin")).toEqual(
      expect.arrayContaining(["default", "list-a", "list-shared"]),
    );
    const listed = (await f.caller(f.users.bob).pools.list()).find((p) => p.id === shared.id);
    expect(listed?.sharedWith).toEqual([{ id: f.teamB, slug: "b" }]);
    // Closing the share takes it from team B.
    await admin.pools.share({ poolId: shared.id, teamId: f.teamB, shared: false });
    expect(await names("bob")).not.toContain("list-shared");
    // A pool with agents is not deleted under them.
    const agentId = await addAgent(f, "list-a-agent", { state: "OFFLINE" });
    await admin.agents.update({ agentId, poolId: own.id });
    await expect(admin.pools.delete({ poolId: own.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await admin.agents.update({ agentId, poolId: DEFAULT_POOL_ID });
    await admin.pools.delete({ poolId: own.id });
    expect(await names("admin")).not.toContain("list-a");
  });

  run("dispatch keeps builds on their team's pools; moving an agent moves its work", async () => {
    await f.db.prisma.build.deleteMany({});
    await f.db.prisma.agent.deleteMany({});
    const admin = f.caller(f.users.admin);
    const poolB = await admin.pools.create({ name: "dispatch-b", teamId: f.teamB });
    const agentId = await addAgent(f, "b-only", { capacity: 4 });
    await admin.agents.update({ agentId, poolId: poolB.id, labels: { zone: "eu" } });
    const forA = await f.caller(f.users.alice).builds.create(adHoc(f.teamA));
    const forB = await f.caller(f.users.bob).builds.create(adHoc(f.teamB));
    const round = await dispatchQueued(f.deps);
    expect(round.assigned).toEqual([{ buildId: forB.id, agentId }]);
    expect(await build(forA.id)).toMatchObject({
      status: "QUEUED",
      // The team B agent is not named to team A.
      waitingReason: "no agent in the pools it may use (default)",
    });
    // Shared with every team again: team A's build goes there too.
    await admin.agents.update({ agentId, poolId: DEFAULT_POOL_ID });
    await dispatchQueued(f.deps);
    expect(await build(forA.id)).toMatchObject({ status: "ASSIGNED", agentId });
    expect(
      JSON.parse((await f.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).labels),
    ).toEqual({ zone: "eu" });
    // Out of the way of the next tests.
    await f.db.prisma.agent.update({ where: { id: agentId }, data: { state: "OFFLINE" } });
  });

  run("hand-over checks the pool again: an agent moved away gets no ASSIGN", async () => {
    const admin = f.caller(f.users.admin);
    const poolA = await admin.pools.create({ name: "handover-a", teamId: f.teamA });
    const poolB = await admin.pools.create({ name: "handover-b", teamId: f.teamB });
    const agentId = await addAgent(f, "mover", { capacity: 4 });
    await admin.agents.update({ agentId, poolId: poolA.id });
    const { id } = await f.caller(f.users.alice).builds.create(adHoc(f.teamA));
    await dispatchQueued(f.deps);
    expect(await build(id)).toMatchObject({ status: "ASSIGNED", agentId });
    await admin.agents.update({ agentId, poolId: poolB.id });
    expect(await prepareAssignment(f.deps, agentId, id)).toBeNull();
    expect(await build(id)).toMatchObject({ status: "ERRORED" });
    await f.db.prisma.agent.update({ where: { id: agentId }, data: { state: "OFFLINE" } });
  });

  run("only administrators move agents between pools or relabel them", async () => {
    const agentId = await addAgent(f, "guarded", { state: "OFFLINE" });
    const poolA = await f.caller(f.users.admin).pools.create({ name: "guard-a", teamId: f.teamA });
    await expect(
      f.caller(f.users.alice).agents.update({ agentId, poolId: poolA.id }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const audit = await f.db.prisma.auditEvent.findMany({ where: { action: "pool.create" } });
    expect(audit.length).toBeGreaterThan(0);
  });
});
