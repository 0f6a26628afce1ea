/**
 * Fault: 10,000 random and malformed frames (seeded, see abuse-frames.ts)
 * from abusive but authenticated connections, while another agent runs a
 * build. The server process must keep serving (/api/health, a fresh agent
 * registers and runs a build), close each abusive socket exactly when the
 * protocol says (bad frames over the limit 4008, over-size 1009, non-UTF-8
 * text 1007, a HELLO with another agent's id 4001, no common version 4003),
 * and the other agent's build must be untouched: its connection never
 * dropped, its log byte for byte, its events, its SUCCEEDED status.
 */
import { describe, expect, it } from "vitest";
import { AGENT_REGISTER_PATH, ZRegisterResponse, type TRegisterRequest } from "@kiln/protocol";
import { createFakeExecutor } from "../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { createStreamingExecutor } from "./support/create-streaming-executor.ts";
import { abuseFrames } from "./support/abuse-frames.ts";
import { deliverAbuse, type TAbuser } from "./support/deliver-abuse.ts";
import { noisyBuildScript } from "./support/noisy-build-script.ts";
import { freshFetch } from "./support/start-fault-server.ts";
import { ARCH, startTestAgent } from "./support/start-test-agent.ts";
import { useFaultServer } from "./support/use-fault-server.ts";

const FRAMES = 10_000;
const SEED = 20_260_501;
/** The gateway's default (createAgentGateway: 20 bad frames per minute). */
const MAX_BAD_FRAMES = 20;
const ABUSERS = 4;

/** Declares this fault's suite (run from agent-faults.test.ts, concurrently with the others). */
export function describeMalformedFramesFault(): void {
  describe("10,000 random and malformed frames", () => {
    // The product's default heartbeat (10 s): the victim notices a stalled server only after 30 s.
    const { server, atEnd } = useFaultServer();

    async function register(name: string): Promise<TAbuser> {
      const body: TRegisterRequest = {
        registrationToken: await server().registrationToken({ role: "abuser" }),
        name,
        arch: ARCH,
        version: "6.6.6",
        labels: {},
      };
      const res = await freshFetch(`${server().url}${AGENT_REGISTER_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const r = ZRegisterResponse.parse(await res.json());
      return { agentId: r.agentId, secret: r.agentSecret };
    }

    function buildOn(role: string) {
      return server().queueBuild({ agentLabels: { role } });
    }

    it("server keeps serving, abusers are closed on cue, the other agent's build is untouched", async () => {
      // Logs until released, so its build spans the whole attack however long that takes.
      const streaming = createStreamingExecutor({ seed: 17 });
      const victim = startTestAgent({
        server: server().url,
        token: await server().registrationToken(),
        name: "victim",
        labels: { role: "victim" },
        executor: streaming,
      });
      atEnd(() => victim.stop());
      const { id } = await buildOn("victim");
      const running = await server().waitStatus(id, ["RUNNING"], 60_000);
      const abusers = await Promise.all(
        Array.from({ length: ABUSERS }, (_, i) => register(`abuser-${i}`)),
      );

      const frames = abuseFrames(
        { victimBuildId: id, victimAgentId: running.agentId! },
        FRAMES,
        SEED,
      );
      const spooledBefore = victim.spooledBytes(id);
      const t0 = Date.now();
      const report = await deliverAbuse({
        server: server().url,
        abusers,
        frames,
        maxBadFrames: MAX_BAD_FRAMES,
      });
      const abuseMs = Date.now() - t0;
      console.info(
        `abuse: ${report.delivered} frames over ${report.connections} connections in ${abuseMs} ms; ` +
          `closes ${JSON.stringify(report.closes)}; ms ${JSON.stringify(report.ms)}; kinds ${JSON.stringify(report.kinds)}`,
      );
      expect(report.mismatches).toEqual([]);
      expect(report.delivered).toBe(FRAMES);
      expect(report.closes[4008]).toBeGreaterThan(100);
      for (const code of [1007, 1009, 4001, 4003])
        expect(report.closes[code], `close ${code}`).toBeGreaterThan(0);

      // Still serving.
      expect(server().child()?.exitCode, server().output().slice(-3000)).toBeNull();
      const health = await freshFetch(`${server().url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
      // The attack overlapped the victim's build: it was running before and is still running.
      expect(victim.worker()?.running).toContain(id);
      expect(victim.spooledBytes(id)).toBeGreaterThan(spooledBefore);

      // A fresh agent registers and runs a build to the end.
      const fresh = startTestAgent({
        server: server().url,
        token: await server().registrationToken(),
        name: "fresh",
        labels: { role: "fresh" },
        executor: createFakeExecutor(noisyBuildScript({ lines: 300, durationMs: 500, seed: 23 })),
      });
      atEnd(() => fresh.stop());
      const freshBuild = await buildOn("fresh");
      const freshFinal = await server().waitStatus(
        freshBuild.id,
        ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"],
        60_000,
      );
      expect(freshFinal.status).toBe("SUCCEEDED");
      const freshLocal = await fresh.ended(freshBuild.id, 5000);
      expect((await server().downloadLog(freshBuild.id)).equals(freshLocal.spoolLog!)).toBe(true);

      // The victim: never disconnected, and its build is exactly what it sent.
      streaming.release();
      const final = await server().waitStatus(
        id,
        ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"],
        60_000,
      );
      expect(final.status, server().output().slice(-3000)).toBe("SUCCEEDED");
      expect(final.agentId).toBe(running.agentId);
      expect(final.requeueCount).toBe(0);
      const local = await victim.ended(id, 5000);
      const stored = await server().downloadLog(id);
      expect(
        stored.equals(local.spoolLog!),
        "the victim's stored log differs from its local log",
      ).toBe(true);
      expect(stored.includes("EVIL")).toBe(false);
      const events = await server().events(id);
      expect(events.map((e) => JSON.parse(e.data))).toEqual(local.spoolEvents!.map((e) => e.event));
      expect(await server().db.prisma.artifact.count({ where: { buildId: id } })).toBe(0);
      expect(final.manifest).toBeNull();
      expect(victim.messages.filter((m) => m.msg === "connected")).toHaveLength(1);
      expect(victim.messages.filter((m) => m.msg === "disconnected")).toHaveLength(0);
    }, 240_000);
  });
}
