import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { CLOSE_CODES, type TAgentToServer } from "@kiln/protocol";
import { exitCodeFor } from "../exit-codes.ts";
import { AgentFatalError } from "./agent-connection.ts";
import type { TFakeStep } from "./testing/create-fake-executor.ts";
import { CREDENTIALS_FILE } from "./register-agent.ts";
import { fakeAssign, type FakeAgentServer } from "./testing/fake-agent-server.ts";
import { useAgentHarness } from "./testing/use-agent-harness.ts";

const harness = useAgentHarness();
const tmp = () => harness.tmpDir();
const server = harness.server;

function startAgent(
  s: FakeAgentServer,
  script: TFakeStep[],
  extra: { workDir?: string; token?: string; capacity?: number } = {},
) {
  // Without skipCleanup: these tests see the crash clean-up's report in HELLO.
  return harness.agent(s, script, { labels: { pool: "ci" }, ...extra });
}

const ev = (name: string): TBuildEvent => ({ type: "step", t: 1, name });

// No uploads here: the URL only has to be one.
const assign = (buildId: string) =>
  fakeAssign(buildId, { artifactUploadUrl: "http://127.0.0.1/upload/" });

const is =
  <K extends TAgentToServer["type"]>(type: K, buildId?: string) =>
  (m: TAgentToServer): m is Extract<TAgentToServer, { type: K }> =>
    m.type === type && (buildId === undefined || ("buildId" in m && m.buildId === buildId));

describe("kiln agent against a fake server", () => {
  it("registers, keeps the secret 0600, and says HELLO with its facts", async () => {
    const s = await server();
    const a = startAgent(s, []);
    const hello = await s.waitFor(is("HELLO"));
    expect(s.registrations).toBe(1);
    expect(hello).toMatchObject({
      agentId: "agent-1",
      name: "test-agent",
      labels: { pool: "ci" },
      capacity: 1,
      protocols: [1],
      builds: [],
      recovered: { mounts: [], loopDevices: [], workDirs: [] },
    });
    expect(hello.hostFacts.preflight).toEqual([
      expect.objectContaining({ name: "fake-executor", ok: true }),
    ]);
    expect(hello.hostFacts.canBuild).toBe(true);
    expect(hello.hostFacts.cpus).toBeGreaterThan(0);
    const cred = path.join(a.workDir, CREDENTIALS_FILE);
    expect(fs.statSync(cred).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(cred, "utf8")).agentSecret).toBe(s.secret);
  });

  it("reuses stored credentials on restart and reports a crashed predecessor's leftovers", async () => {
    const s = await server();
    const workDir = tmp();
    const first = startAgent(s, [], { workDir });
    await s.waitFor(is("HELLO"));
    await first.worker()!.stop();
    fs.mkdirSync(path.join(workDir, "builds", "old-build", "spool"), { recursive: true });
    s.frames.length = 0;
    startAgent(s, [], { workDir, token: "kiln_reg_used_up_token_00000" });
    const hello = await s.waitFor(is("HELLO"));
    expect(s.registrations).toBe(1);
    expect(hello.recovered?.workDirs).toEqual([path.join(workDir, "builds", "old-build")]);
  });

  it("accepts an ASSIGN and streams events and log chunks with increasing seqs", async () => {
    const s = await server();
    startAgent(s, [
      { event: ev("a") },
      { log: "line 1\n" },
      { log: "line 2\n" },
      { sleepMs: 60 },
      { event: ev("b") },
      { log: Buffer.from([0xe2, 0x9c]) },
      { sleepMs: 60 },
      { log: Buffer.from([0x93, 0x0a]) },
    ]);
    await s.waitFor(is("HELLO"));
    s.send(assign("b1"));
    await s.waitFor(is("ACCEPT", "b1"));
    const fin = await s.waitFor(is("BUILD_FINISHED", "b1"));
    expect(fin.status).toBe("succeeded");
    const chunks = s.frames.filter(is("LOG_CHUNK", "b1"));
    const events = s.frames.filter(is("BUILD_EVENT", "b1"));
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(events.map((e) => e.event.type)).toEqual(["step", "step", "build.finished"]);
    expect(s.log("b1").toString("utf8")).toBe("line 1\nline 2\n✓\n");
    expect(fin).toMatchObject({ lastLogSeq: chunks.length - 1, lastEventSeq: 2, logBytes: 18 });
    // Offsets add up, so the server can check it has the whole log.
    let at = 0;
    for (const c of chunks) {
      expect(c.offset).toBe(at);
      at += Buffer.from(c.data, "base64").length;
    }
  });

  it("keeps building through a dropped socket and resends what the server lacks", async () => {
    const s = await server({ ackFinished: false });
    const script: TFakeStep[] = [];
    for (let i = 0; i < 10; i++) script.push({ log: `before ${i}\n` }, { sleepMs: 25 });
    script.push({ event: ev("mid") }, { gate: "dropped" });
    for (let i = 0; i < 10; i++)
      script.push({ log: `after ${i} ${"x".repeat(i * 50)}\n` }, { sleepMs: 15 });
    const a = startAgent(s, script);
    await s.waitFor(is("HELLO"));
    s.send(assign("b2"));
    await s.waitFor(is("BUILD_EVENT", "b2"));
    expect(s.chunkSeqs("b2").length).toBeGreaterThanOrEqual(3);
    const helloCount = s.frames.filter(is("HELLO")).length;
    // The newest two chunks "never arrived"; then the build goes on while disconnected.
    const forgotten = s.chunkSeqs("b2").slice(-2);
    s.refuseUpgrades = true;
    s.dropAll({ forgetLast: 2 });
    a.executor.release("dropped");
    // Offline: the build goes on, the agent spools and keeps retrying (503 is not fatal).
    await new Promise((r) => setTimeout(r, 250));
    const offlineUpgrades = s.upgrades;
    expect(offlineUpgrades).toBeGreaterThanOrEqual(2);
    const sentBeforeReconnect = s.frames.filter(is("LOG_CHUNK", "b2")).length;
    s.refuseUpgrades = false;
    const fin = await s.waitFor(is("BUILD_FINISHED", "b2"), 10_000);
    expect(fin.status).toBe("succeeded");
    const hellos = s.frames.filter(is("HELLO"));
    expect(hellos.length).toBeGreaterThan(helloCount);
    expect(hellos.at(-1)!.builds[0]).toMatchObject({ buildId: "b2" });
    const spooled = fs.readFileSync(path.join(a.workDir, "builds", "b2", "spool", "log.bin"));
    expect(s.chunkSeqs("b2")).toEqual(s.chunkSeqs("b2").map((_, i) => i));
    expect(s.chunkSeqs("b2").at(-1)).toBe(fin.lastLogSeq);
    expect(Buffer.compare(s.log("b2"), spooled)).toBe(0);
    expect(spooled.toString()).toContain("before 0\n");
    expect(spooled.toString()).toContain("after 9 ");
    expect(s.eventSeqs("b2")).toEqual([0, 1]);
    // The lost chunks went up twice; chunks made offline went up after the reconnect.
    for (const seq of forgotten)
      expect(s.frames.filter((m) => is("LOG_CHUNK", "b2")(m) && m.seq === seq).length).toBe(2);
    expect(s.frames.filter(is("LOG_CHUNK", "b2")).length).toBeGreaterThan(sentBeforeReconnect + 2);
    // The acknowledgement lets the agent drop the spool.
    s.send({ type: "BUILD_FINISHED_ACK", v: 1, buildId: "b2" });
    await vitestWaitFor(() => !fs.existsSync(path.join(a.workDir, "builds", "b2")));
  });

  it("aborts the executor on CANCEL and reports cancelled", async () => {
    const s = await server();
    const a = startAgent(s, [{ log: "working\n" }, { gate: "never" }, { log: "not reached\n" }]);
    await s.waitFor(is("HELLO"));
    s.send(assign("b3"));
    await s.waitFor(is("LOG_CHUNK", "b3"));
    s.send({ type: "CANCEL", v: 1, buildId: "b3", reason: "cancelled by alice" });
    // The job's gate never opens: only the abort can finish it.
    const fin = await s.waitFor(is("BUILD_FINISHED", "b3"), 20_000);
    expect(fin.status).toBe("cancelled");
    expect(a.executor.jobs[0]!.signal.aborted).toBe(true);
    expect(s.log("b3").toString()).toBe("working\nkiln: cancelling: cancelled by alice\n");
  });

  it("refuses a build the server abandoned until the old attempt has torn down", async () => {
    const s = await server();
    // The first attempt ignores its abort for a while, as a hook in its grace period would.
    const script: TFakeStep[] = [{ log: "first attempt\n" }, { gate: "stuck", ignoreAbort: true }];
    const a = startAgent(s, script, { capacity: 2 });
    await s.waitFor(is("HELLO"));
    s.send(assign("b7"));
    await s.waitFor(is("LOG_CHUNK", "b7"));
    // The server lost track of b7 (e.g. requeued it) and hands it out again after a reconnect.
    s.abandonOnWelcome.push("b7");
    const hellos = s.frames.filter(is("HELLO")).length;
    s.dropAll();
    await vitestWaitFor(() => s.frames.filter(is("HELLO")).length > hellos);
    s.send(assign("b7"));
    expect(await s.waitFor(is("REJECT", "b7"))).toMatchObject({ code: "DUPLICATE" });
    a.executor.release("stuck");
    await vitestWaitFor(() => !fs.existsSync(path.join(a.workDir, "builds", "b7")));
    s.send(assign("b7"));
    await s.waitFor(is("ACCEPT", "b7"));
  });

  it("rejects ASSIGN after DRAIN, and when all slots are busy", async () => {
    const s = await server();
    startAgent(s, [{ gate: "never" }]);
    await s.waitFor(is("HELLO"));
    s.send(assign("b4"));
    await s.waitFor(is("ACCEPT", "b4"));
    s.send(assign("b5"));
    expect(await s.waitFor(is("REJECT", "b5"))).toMatchObject({ code: "NO_CAPACITY" });
    s.send({ type: "DRAIN", v: 1, reason: "maintenance" });
    s.send(assign("b6"));
    expect(await s.waitFor(is("REJECT", "b6"))).toMatchObject({ code: "DRAINING" });
    s.send({ type: "CANCEL", v: 1, buildId: "b4", reason: "test over" });
    expect((await s.waitFor(is("BUILD_FINISHED", "b4"))).status).toBe("cancelled");
  });

  it("stops with a clear message and no retries on a bad registration token (exit 2)", async () => {
    const s = await server();
    const a = startAgent(s, [], { token: "kiln_reg_wrong_token_000000" });
    const err = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((err as Error).message)).toMatch(
      /^--token: the server refused the registration token \(HTTP 401\)/,
    );
    expect(exitCodeFor(err)).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.registrations).toBe(1);
    expect(s.upgrades).toBe(0);
  });

  it("stops on a refused secret at the upgrade without a retry loop", async () => {
    const s = await server();
    const workDir = tmp();
    fs.writeFileSync(
      path.join(workDir, CREDENTIALS_FILE),
      JSON.stringify({
        agentId: "agent-1",
        agentSecret: "stale-secret-0123456789",
        labels: {},
        server: s.url,
      }),
      { mode: 0o600 },
    );
    const a = startAgent(s, [], { workDir });
    const err = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgentFatalError);
    expect((err as Error).message).toMatch(/refused the agent secret \(HTTP 401\)/);
    expect(exitCodeFor(err)).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.upgrades).toBe(1);
  });

  it("heartbeats at the interval the server chose", async () => {
    const s = await server({ heartbeatIntervalMs: 1000 });
    startAgent(s, []);
    await s.waitFor(is("HELLO"));
    const t0 = Date.now();
    const hb = await s.waitFor(is("HEARTBEAT"), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(hb).toMatchObject({ running: [], freeSlots: 1, draining: false });
  });

  it("reconnects after a server restart close, but stops on REVOKED", async () => {
    const s = await server();
    const a = startAgent(s, []);
    await s.waitFor(is("HELLO"));
    s.closeAll(CLOSE_CODES.SERVER_RESTART, "restarting");
    await vitestWaitFor(() => s.frames.filter(is("HELLO")).length === 2);
    s.send({ type: "REVOKED", v: 1, reason: "key rotated" });
    s.closeAll(CLOSE_CODES.REVOKED, "revoked");
    const err = await a.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/revoked.*4002/);
    const upgrades = s.upgrades;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.upgrades).toBe(upgrades);
  });
});

async function vitestWaitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
