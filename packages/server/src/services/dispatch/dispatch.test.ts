import { beforeEach, expect, it } from "vitest";
import { createDb } from "@kiln/db/client";
import { addAgent, createFixture, recordStarted } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { recordBuildEvent } from "../builds/record-build-event.ts";
import { dispatchQueued } from "./dispatch-queued.ts";
import { markAgentsOffline } from "./mark-agents-offline.ts";

describeEachProvider("dispatcher", (provider, run) => {
  const f = useFixture(provider, createFixture);
  beforeEach(async () => {
    if (provider.skipReason) return;
    // Each test starts with an empty queue and no agents.
    await f.db.prisma.build.deleteMany({});
    await f.db.prisma.agent.deleteMany({});
  });
  const queue = (labels: Record<string, string> = {}, arch = "amd64") =>
    f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch },
      agentLabels: labels,
    });
  const reason = async (id: string) =>
    (await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).waitingReason;
  /** A queued build dispatched to a new agent `name`, which reports it started. */
  const runningOn = async (name: string) => {
    const { id } = await queue();
    const agentId = await addAgent(f, name, {});
    await dispatchQueued(f.deps);
    await recordStarted(f, id);
    return { id, agentId };
  };

  run("explains why builds wait", async () => {
    const plain = await queue();
    const eu = await queue({ zone: "eu" });
    const arm = await queue({}, "arm64");
    await dispatchQueued(f.deps);
    expect(await reason(plain.id)).toBe("no agent online");
    await addAgent(f, "x1", { labels: { zone: "us" }, capacity: 1 });
    await addAgent(f, "x2", { capacity: 1 });
    const r = await dispatchQueued(f.deps);
    expect(r.assigned).toHaveLength(1);
    expect(r.assigned[0]!.buildId).toBe(plain.id); // oldest first
    expect(await reason(eu.id)).toBe("agents x1, x2 lack label zone=eu");
    expect(await reason(arm.id)).toBe("no agent for arch arm64");
    await queue();
    const third = await queue();
    await dispatchQueued(f.deps);
    expect(await reason(third.id)).toBe("all matching agents busy (x1: 1/1, x2: 1/1)");
  });

  run("assigns oldest first within capacity and tells each agent", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await queue({ pool: "ci" })).id);
    const a = await addAgent(f, "big", { capacity: 2, labels: { pool: "ci", extra: "1" } });
    const b = await addAgent(f, "small", { capacity: 1, labels: { pool: "ci" } });
    const r = await dispatchQueued(f.deps);
    expect(r.assigned.map((x) => x.buildId)).toEqual(ids.slice(0, 3));
    expect(r.waiting).toBe(2);
    expect(r.assigned.filter((x) => x.agentId === a)).toHaveLength(2);
    expect(f.published(`agent:${b}`)).toContainEqual({
      type: "assign",
      buildId: r.assigned.find((x) => x.agentId === b)!.buildId,
    });
    expect((await dispatchQueued(f.deps)).assigned).toEqual([]);
    // A finished build frees a slot for the next oldest.
    await recordBuildEvent(f.deps, ids[0]!, 0, {
      type: "build.finished",
      t: f.clock.t,
      status: "succeeded",
      durationMs: 1,
    });
    expect((await dispatchQueued(f.deps)).assigned.map((x) => x.buildId)).toEqual([ids[3]]);
  });

  run("lost agent: offline after 3 heartbeats, build requeued once, then ERRORED", async () => {
    const { id, agentId } = await runningOn("flaky");
    const hb = 1000;
    f.clock.t += 2.5 * hb;
    expect((await markAgentsOffline(f.deps, { heartbeatMs: hb })).offline).toEqual([]);
    f.clock.t += 1 * hb;
    const r1 = await markAgentsOffline(f.deps, { heartbeatMs: hb, graceMs: 2 * hb });
    expect(r1.offline).toEqual([agentId]);
    expect(r1.requeued).toEqual([]); // still within the grace period
    // It comes back in time: its build stays.
    await f.db.prisma.agent.update({
      where: { id: agentId },
      data: { state: "ONLINE", lastSeenAt: new Date(f.clock.t) },
    });
    f.clock.t += 4 * hb;
    await markAgentsOffline(f.deps, { heartbeatMs: hb, graceMs: 2 * hb });
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
    // Silent past the grace period: requeued once.
    f.clock.t += 2 * hb;
    const r2 = await markAgentsOffline(f.deps, { heartbeatMs: hb, graceMs: 2 * hb });
    expect(r2.requeued).toEqual([id]);
    let b = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
    expect(b).toMatchObject({ status: "QUEUED", agentId: null, requeueCount: 1 });
    expect(b.waitingReason).toMatch(/agent lost/);
    expect(await f.db.prisma.buildEvent.count({ where: { buildId: id } })).toBe(0);
    expect(f.published(`agent:${agentId}`)).toContainEqual({ type: "cancel", buildId: id });
    // Lost again on another agent: ERRORED for good.
    const other = await addAgent(f, "flaky2", {});
    await dispatchQueued(f.deps);
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).agentId).toBe(other);
    f.clock.t += 10 * hb;
    const r3 = await markAgentsOffline(f.deps, { heartbeatMs: hb, graceMs: 0 });
    expect(r3.errored).toEqual([id]);
    b = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
    expect(b.status).toBe("ERRORED");
    expect(b.failureMessage).toMatch(/agent lost \(flaky2/);
  });

  run(
    "after a server restart, its own downtime is not counted as the agents' silence",
    async () => {
      const { id, agentId } = await runningOn("patient");
      const hb = 1000;
      // The server was down for a minute and has just started again.
      f.clock.t += 60 * hb;
      const serverStartedAt = new Date(f.clock.t);
      const r1 = await markAgentsOffline(f.deps, { heartbeatMs: hb, serverStartedAt });
      expect(r1).toMatchObject({ offline: [], requeued: [], errored: [] });
      expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
      // Still silent three heartbeats after the restart: offline, then lost after the grace.
      f.clock.t += 3.5 * hb;
      const r2 = await markAgentsOffline(f.deps, { heartbeatMs: hb, serverStartedAt });
      expect(r2.offline).toEqual([agentId]);
      expect(r2.requeued).toEqual([]);
      f.clock.t += 3 * hb;
      const r3 = await markAgentsOffline(f.deps, { heartbeatMs: hb, serverStartedAt });
      expect(r3.requeued).toEqual([id]);
    },
  );

  it.skipIf(!!provider.skipReason || provider.provider !== "postgresql")(
    "two dispatchers (separate connection pools, as two processes) assign each build once",
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await queue()).id);
      const agents = [];
      for (let i = 0; i < 4; i++) agents.push(await addAgent(f, `pg-${i}`, { capacity: 3 }));
      const dbs = [0, 1, 2].map(() => createDb({ url: f.dbUrl }));
      try {
        const results = await Promise.all(
          [...dbs, ...dbs].map((db) => dispatchQueued({ ...f.deps, db })),
        );
        const assigned = results.flatMap((r) => r.assigned);
        expect(new Set(assigned.map((a) => a.buildId)).size).toBe(assigned.length);
        expect(assigned).toHaveLength(12);
        const rows = await f.db.prisma.build.findMany({ where: { status: "ASSIGNED" } });
        expect(rows).toHaveLength(12);
        for (const a of agents) expect(rows.filter((r) => r.agentId === a)).toHaveLength(3);
        // Mostly the oldest: at most a build skipped while another dispatcher held it.
        expect(rows.filter((r) => ids.indexOf(r.id) < 12).length).toBeGreaterThanOrEqual(10);
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
      }
    },
  );
});
