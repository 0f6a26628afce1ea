/**
 * An agent whose socket stays up is alive, whatever the offline marking
 * concluded from a stall: its next heartbeat brings it back, and heartbeats
 * are not queued behind a backlog of frames (after a reconnect the agent
 * resends its spool, which once read as silence and lost the build).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { encodeLogData, type TAgentToServer } from "@kiln/protocol";
import { dispatchQueued } from "../services/dispatch/dispatch-queued.ts";
import { markAgentsOffline } from "../services/dispatch/mark-agents-offline.ts";
import { createFixture, type TFixture } from "../testing/builds-fixture.ts";
import { startGatewayServer, type TGatewayServer } from "../testing/start-gateway-server.ts";
import { connectNewAgent, type FakeAgent } from "../testing/fake-agent.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
const HEARTBEAT_MS = 5000;
const beat = (draining = false): TAgentToServer<"HEARTBEAT"> => ({
  type: "HEARTBEAT",
  v: 1,
  running: [],
  freeSlots: 2,
  draining,
});

describe.each(providers)("agent liveness on $provider", (provider) => {
  let f: TFixture;
  let gw: TGatewayServer;
  const run = it.skipIf(!!provider.skipReason);

  beforeAll(async () => {
    if (provider.skipReason) return;
    f = await createFixture(provider);
    gw = await startGatewayServer({ deps: f.deps, gateway: { heartbeatIntervalMs: HEARTBEAT_MS } });
  });
  afterAll(async () => {
    if (provider.skipReason) return;
    await gw.close();
    await f.close();
  });

  const stateOf = async (id: string) =>
    (await f.db.prisma.agent.findUniqueOrThrow({ where: { id } })).state;
  /** Every agent looks silent for four heartbeats: offline marking takes them OFFLINE. */
  async function stall(): Promise<void> {
    f.clock.t += 4 * HEARTBEAT_MS;
    await markAgentsOffline(f.deps, { heartbeatMs: HEARTBEAT_MS });
  }

  run("a connected agent marked OFFLINE is back at its next heartbeat, and gets work", async () => {
    const { id, agent } = await connectNewAgent(gw.url, f.deps, f.users.admin, "stalled");
    await stall();
    expect(await stateOf(id)).toBe("OFFLINE");
    const { id: buildId } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    await dispatchQueued(f.deps);
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe(
      "QUEUED",
    );

    agent.send(beat());
    await agent.next("HEARTBEAT_ACK");
    expect(await stateOf(id)).toBe("ONLINE");
    // Coming back asks for a dispatch run: the queued build reaches it.
    expect((await agent.next("ASSIGN", (m) => m.buildId === buildId, 10_000)).buildId).toBe(
      buildId,
    );
    agent.ws.close();
  });

  run("a drained agent comes back DRAINING; a revoked one stays away", async () => {
    const drained = await connectNewAgent(gw.url, f.deps, f.users.admin, "drained");
    await f.caller(f.users.admin).agents.drain({ agentId: drained.id });
    await stall();
    drained.agent.send(beat(true));
    await drained.agent.next("HEARTBEAT_ACK");
    expect(await stateOf(drained.id)).toBe("DRAINING");
    drained.agent.ws.close();

    const revoked = await connectNewAgent(gw.url, f.deps, f.users.admin, "revoked");
    await stall();
    // Revoked in the database only (no REVOKED sent): the heartbeat must not revive it.
    await f.db.prisma.agent.update({
      where: { id: revoked.id },
      data: { revokedAt: f.deps.now() },
    });
    revoked.agent.send(beat());
    await revoked.agent.next("HEARTBEAT_ACK");
    expect(await stateOf(revoked.id)).toBe("OFFLINE");
    revoked.agent.ws.close();
  });

  run("closing the gateway waits until its sessions have recorded their end", async () => {
    const own = await startGatewayServer({ deps: f.deps });
    const { id, agent } = await connectNewAgent(own.url, f.deps, f.users.admin, "at-shutdown");
    expect(await stateOf(id)).toBe("ONLINE");
    // An agent that does not answer the close frame (hung, or gone without a FIN).
    agent.ws.pause();
    await own.close();
    // No waiting here: the caller may close the database right after close() resolves.
    expect(await stateOf(id)).toBe("OFFLINE");
  });

  run("a heartbeat is answered before a backlog of log chunks is stored", async () => {
    const { agent } = await connectNewAgent(gw.url, f.deps, f.users.admin, "busy");
    const { id } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    await dispatchQueued(f.deps);
    await agent.next("ASSIGN", (m) => m.buildId === id);
    agent.send({ type: "ACCEPT", v: 1, buildId: id });
    const backlog = 300;
    const line = Buffer.from("a resent log line\n");
    for (let seq = 0; seq < backlog; seq++) {
      const data = encodeLogData(line);
      agent.send({ type: "LOG_CHUNK", v: 1, buildId: id, seq, offset: seq * line.length, data });
    }
    agent.send(beat());
    await agent.next("LOG_ACK", (m) => m.seq === backlog - 1, 60_000);
    const order = (agent as FakeAgent).received.map((m) => m.type);
    // Acks are cumulative and may fold, so look at where the heartbeat's ack landed among them.
    const ackAt = order.indexOf("HEARTBEAT_ACK");
    expect(ackAt, order.join(",")).toBeGreaterThanOrEqual(0);
    expect(order.slice(ackAt + 1).filter((t) => t === "LOG_ACK").length).toBeGreaterThan(0);
    agent.ws.close();
  });
});
