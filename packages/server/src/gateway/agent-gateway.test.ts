import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { CLOSE_CODES, encodeLogData, type TAgentToServer } from "@kiln/protocol";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { createRegistrationToken } from "../services/agents/create-registration-token.ts";
import { dispatchQueued } from "../services/dispatch/dispatch-queued.ts";
import { createFixture, type TFixture } from "../testing/builds-fixture.ts";
import { startGatewayServer, type TGatewayServer } from "../testing/start-gateway-server.ts";
import {
  connectNewAgent,
  connectSocket,
  FakeAgent,
  hello,
  registerOverHttp,
} from "../testing/fake-agent.ts";
import { SHA256_HEADER } from "./agent-http.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);

describe.each(providers)("agent gateway on $provider", (provider) => {
  let f: TFixture;
  let gw: TGatewayServer;
  let base: string;
  const run = it.skipIf(!!provider.skipReason);

  beforeAll(async () => {
    if (provider.skipReason) return;
    f = await createFixture(provider);
    gw = await startGatewayServer({ deps: f.deps, gateway: { heartbeatIntervalMs: 5000 } });
    base = gw.url;
  });
  afterAll(async () => {
    if (provider.skipReason) return;
    await gw.close();
    await f.close();
  });

  const newAgent = (name: string) => connectNewAgent(base, f.deps, f.users.admin, name);

  async function queueAndAssign(agent: FakeAgent) {
    const { id } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu", "vm"], arch: "amd64" },
      env: [{ name: "DIB_RELEASE", value: "noble" }],
    });
    await dispatchQueued(f.deps);
    const assign = await agent.next("ASSIGN", (m) => m.buildId === id);
    return { id, assign };
  }

  run("registers with a one-time token; refuses reuse and expired tokens", async () => {
    const { token } = await createRegistrationToken(f.deps, f.users.admin, {
      labels: { zone: "eu" },
    });
    const first = await registerOverHttp(base, token, "reg-1");
    expect(first.status).toBe(200);
    expect(first.body.labels).toEqual({ disk: "ssd", zone: "eu" });
    const row = await f.db.prisma.agent.findUniqueOrThrow({ where: { id: first.body.agentId } });
    expect(row.arch).toBe("amd64");
    expect(row.secretHash).toBe(createHash("sha256").update(first.body.agentSecret).digest("hex"));
    expect((await registerOverHttp(base, token, "reg-2")).status).toBe(401);
    const old = await createRegistrationToken(f.deps, f.users.admin, { ttlHours: 1 });
    f.clock.t += 2 * 3600_000;
    expect((await registerOverHttp(base, old.token, "reg-3")).status).toBe(401);
    const bad = await fetch(`${base}/api/agents/register`, { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
  });

  run("refuses a bad secret at the upgrade with 401", async () => {
    expect(await connectSocket(base, "kiln_agent_not-a-real-secret-at-all")).toBe(401);
  });

  run("answers frames before HELLO with NOT_HELLO, then welcomes", async () => {
    const { token } = await createRegistrationToken(f.deps, f.users.admin, {});
    const reg = await registerOverHttp(base, token, "hello-agent");
    const ws = await connectSocket(base, reg.body.agentSecret);
    if (typeof ws === "number") throw new Error(String(ws));
    const agent = new FakeAgent(ws);
    agent.send({ type: "HEARTBEAT", v: 1, running: [], freeSlots: 2, draining: false });
    expect((await agent.next("ERROR")).code).toBe("NOT_HELLO");
    agent.send(hello("hello-agent"));
    const welcome = await agent.next("WELCOME");
    expect(welcome).toMatchObject({
      agentId: reg.body.agentId,
      heartbeatIntervalMs: 5000,
      draining: false,
    });
    // The registration's labels; HELLO's (kvm=yes) are not the agent's to choose.
    expect(welcome.labels).toEqual({ disk: "ssd" });
    const row = await f.db.prisma.agent.findUniqueOrThrow({ where: { id: reg.body.agentId } });
    expect(row).toMatchObject({ state: "ONLINE", capacity: 2, version: "0.1.0" });
    agent.send({ type: "HEARTBEAT", v: 1, running: [], freeSlots: 2, draining: false });
    await agent.next("HEARTBEAT_ACK");
    ws.close();
    await agent.closed();
    await expect
      .poll(
        async () =>
          (await f.db.prisma.agent.findUniqueOrThrow({ where: { id: reg.body.agentId } })).state,
      )
      .toBe("OFFLINE");
  });

  run(
    "runs a build end to end: assign, accept, events, logs, artifact, finish; then cancel",
    async () => {
      const { id: agentId, secret, agent } = await newAgent("worker-1");
      const { id, assign } = await queueAndAssign(agent);
      expect(assign.request.elements).toEqual(["ubuntu", "vm"]);
      expect(assign.env).toEqual([{ name: "DIB_RELEASE", value: "noble", secret: false }]);
      agent.send({ type: "ACCEPT", v: 1, buildId: id });
      await expect
        .poll(async () => (await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status)
        .toBe("RUNNING");

      const events: TBuildEvent[] = [
        { type: "build.started", t: 1, buildId: id, elements: ["ubuntu"], phases: ["root.d"] },
        { type: "phase.finished", t: 2, phase: "root.d", durationMs: 10, ok: true },
        { type: "build.finished", t: 3, status: "succeeded", durationMs: 2 },
      ];
      events.forEach((event, seq) =>
        agent.send({ type: "BUILD_EVENT", v: 1, buildId: id, seq, event }),
      );
      expect((await agent.next("EVENT_ACK", (m) => m.seq === 2)).buildId).toBe(id);
      // The engine is done, but the images are not uploaded yet: still RUNNING.
      expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");

      // Bytes, not text: invalid UTF-8 and a split multi-byte character must survive.
      const chunks = [
        Buffer.from("héllo\n"),
        Buffer.from([0xff, 0xfe, 0xe2]),
        Buffer.from([0x9c, 0x93, 0x0a]),
        randomBytes(5000),
      ];
      let offset = 0;
      const frames: TAgentToServer<"LOG_CHUNK">[] = chunks.map((c, seq) => {
        const m = {
          type: "LOG_CHUNK" as const,
          v: 1 as const,
          buildId: id,
          seq,
          offset,
          data: encodeLogData(c),
        };
        offset += c.length;
        return m;
      });
      for (const m of frames) agent.send(m);
      agent.send(frames[1]!); // a resend after a "reconnect": harmless, still acked
      await agent.next("LOG_ACK", (m) => m.seq === 3);
      await agent.next("LOG_ACK", (m) => m.seq === 3);
      const stored = await f.db.prisma.logChunk.findMany({
        where: { buildId: id },
        orderBy: { seq: "asc" },
      });
      expect(
        Buffer.concat(stored.map((c) => Buffer.from(c.data))).equals(Buffer.concat(chunks)),
      ).toBe(true);

      const image = randomBytes(200_000);
      const sha = createHash("sha256").update(image).digest("hex");
      const md5 = createHash("md5").update(image).digest("hex");
      const put = (body: Buffer, hash: string, auth = secret) =>
        fetch(`${base}${assign.artifactUploadUrl}image.qcow2`, {
          method: "PUT",
          headers: { authorization: `Bearer ${auth}`, [SHA256_HEADER]: hash },
          body,
        });
      expect((await put(image, "0".repeat(64))).status).toBe(400);
      expect((await put(image, sha, "kiln_agent_wrong-secret-xxxxxxx")).status).toBe(401);
      const ready = {
        type: "ARTIFACT_READY" as const,
        v: 1 as const,
        buildId: id,
        kind: "qcow2",
        fileName: "image.qcow2",
        sizeBytes: image.length,
        sha256: sha,
        md5,
      };
      agent.send(ready);
      expect((await agent.next("ARTIFACT_ACK")).ok).toBe(false); // nothing stored yet
      expect((await put(image, sha)).status).toBe(201);
      expect((await put(image, sha)).status).toBe(201); // restartable: a re-PUT replaces
      agent.send(ready);
      expect(await agent.next("ARTIFACT_ACK")).toMatchObject({ ok: true, fileName: "image.qcow2" });
      const artifact = await f.db.prisma.artifact.findFirstOrThrow({ where: { buildId: id } });
      expect(artifact.sha256).toBe(sha);

      agent.send({
        type: "MANIFEST",
        v: 1,
        buildId: id,
        packages: [{ name: "bash", version: "5.2" }],
      });
      agent.send({
        type: "BUILD_FINISHED",
        v: 1,
        buildId: id,
        status: "succeeded",
        lastLogSeq: 3,
        lastEventSeq: 2,
        logBytes: offset,
      });
      await agent.next("BUILD_FINISHED_ACK", (m) => m.buildId === id);
      const done = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
      expect(done).toMatchObject({ status: "SUCCEEDED", agentId, logBytes: offset });
      expect(done.manifest).toContain("bash");

      const second = await queueAndAssign(agent);
      agent.send({ type: "ACCEPT", v: 1, buildId: second.id });
      await expect
        .poll(
          async () =>
            (await f.db.prisma.build.findUniqueOrThrow({ where: { id: second.id } })).status,
        )
        .toBe("RUNNING");
      await f.caller(f.users.alice).builds.cancel({ buildId: second.id });
      expect((await agent.next("CANCEL")).buildId).toBe(second.id);
      agent.send({
        type: "BUILD_FINISHED",
        v: 1,
        buildId: second.id,
        status: "cancelled",
        lastLogSeq: null,
        lastEventSeq: null,
        logBytes: 0,
      });
      await agent.next("BUILD_FINISHED_ACK");
      expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id: second.id } })).status).toBe(
        "CANCELLED",
      );
      agent.ws.close();
      await agent.closed();
    },
  );

  run(
    "on reconnect: resume points, abandoned builds, a lost build requeued; drain forwarded",
    async () => {
      const { id: agentId, secret, agent } = await newAgent("flaky");
      const held = await queueAndAssign(agent);
      agent.send({ type: "ACCEPT", v: 1, buildId: held.id });
      for (const seq of [0, 1, 3]) {
        agent.send({
          type: "LOG_CHUNK",
          v: 1,
          buildId: held.id,
          seq,
          offset: seq,
          data: encodeLogData(Buffer.from("x")),
        });
      }
      // Seq 2 is missing: the cumulative ack stays at 1.
      await agent.next("LOG_ACK", (m) => m.seq === 1);
      const forgotten = await queueAndAssign(agent);
      agent.send({ type: "ACCEPT", v: 1, buildId: forgotten.id });
      await expect
        .poll(
          async () =>
            (await f.db.prisma.build.findUniqueOrThrow({ where: { id: forgotten.id } })).status,
        )
        .toBe("RUNNING");
      agent.ws.close();
      await agent.closed();

      const ws = await connectSocket(base, secret);
      if (typeof ws === "number") throw new Error(String(ws));
      const again = new FakeAgent(ws);
      again.send({
        ...hello("flaky"),
        agentId,
        builds: [
          { buildId: held.id, lastLogSeq: 3, lastEventSeq: null, finished: false },
          { buildId: "clx-unknown-build", lastLogSeq: 0, lastEventSeq: null, finished: false },
        ],
      });
      const welcome = await again.next("WELCOME");
      expect(welcome.resume).toEqual([{ buildId: held.id, lastLogSeq: 1, lastEventSeq: null }]);
      expect(welcome.abandon).toEqual(["clx-unknown-build"]);
      // The agent came back without `forgotten`: it is requeued (and cancelled on this agent).
      const lost = await f.db.prisma.build.findUniqueOrThrow({ where: { id: forgotten.id } });
      expect(lost.requeueCount).toBe(1);
      expect(["QUEUED", "ASSIGNED"]).toContain(lost.status);
      await f.caller(f.users.admin).agents.drain({ agentId, draining: true });
      await again.next("DRAIN");
      again.ws.close();
      await again.closed();
      // Draining outlives the connection: marked OFFLINE, it comes back DRAINING and is told so.
      await f.db.prisma.agent.update({ where: { id: agentId }, data: { state: "OFFLINE" } });
      const ws3 = await connectSocket(base, secret);
      if (typeof ws3 === "number") throw new Error(String(ws3));
      const third = new FakeAgent(ws3);
      third.send({ ...hello("flaky"), agentId, builds: [] });
      expect((await third.next("WELCOME")).draining).toBe(true);
      expect((await f.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).state).toBe(
        "DRAINING",
      );
      third.ws.close();
      await third.closed();
    },
  );

  run("closes a socket sending 1,000 bad frames; other agents keep being served", async () => {
    const good = await newAgent("steady");
    const bad = await newAgent("noisy");
    const junk = (i: number): string | Buffer => {
      switch (i % 6) {
        case 0:
          return randomBytes(1 + (i % 300));
        case 1:
          return "{".repeat(i);
        case 2:
          return JSON.stringify({ type: "LOG_CHUNK", v: 1, buildId: "x", seq: -1 });
        case 3:
          return JSON.stringify({ type: "WELCOME", v: 1 });
        case 4:
          return JSON.stringify([i]);
        default:
          return JSON.stringify({ type: "HEARTBEAT", v: 99 });
      }
    };
    for (let i = 0; i < 1000 && bad.agent.ws.readyState === bad.agent.ws.OPEN; i++)
      bad.agent.ws.send(junk(i));
    expect(await bad.agent.closed()).toBe(CLOSE_CODES.PROTOCOL_ABUSE);
    expect((await bad.agent.next("ERROR")).code).toBeTruthy();
    good.agent.send({ type: "HEARTBEAT", v: 1, running: [], freeSlots: 2, draining: false });
    await good.agent.next("HEARTBEAT_ACK");
    good.agent.ws.close();
    await good.agent.closed();
  });

  run("revoking an agent closes its socket at once and refuses it afterwards", async () => {
    const a = await newAgent("doomed");
    await f.caller(f.users.admin).agents.revoke({ agentId: a.id });
    expect((await a.agent.next("REVOKED")).type).toBe("REVOKED");
    expect(await a.agent.closed()).toBe(CLOSE_CODES.REVOKED);
    expect(await connectSocket(base, a.secret)).toBe(401);
  });
});
