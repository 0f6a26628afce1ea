/**
 * Fault: the agent's connection is cut (reset) and new connections are
 * refused for 30 s while the build keeps logging; then the line comes back.
 * Nothing may be lost or doubled: the stored log equals the agent's local
 * log byte for byte, every event is stored exactly once (hook rows and
 * phase timings are derived from events, so a double delivery would show),
 * and the build SUCCEEDED without being requeued. The server runs with the
 * product's default heartbeat (10 s) and grace (3 heartbeats).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createFakeExecutor } from "../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { hasInvalidUtf8, noisyBuildScript } from "./support/noisy-build-script.ts";
import { startCutProxy, type CutProxy } from "./support/start-cut-proxy.ts";
import { poll } from "./support/start-fault-server.ts";
import { startTestAgent } from "./support/start-test-agent.ts";
import { useFaultServer } from "./support/use-fault-server.ts";

const CUT_MS = 30_000;

/** Declares this fault's suite (run from agent-faults.test.ts, concurrently with the others). */
export function describeSocketDropFault(): void {
  describe("agent socket dropped for 30 s", () => {
    const { server, atEnd } = useFaultServer({ tickMs: 1000 });
    let proxy: CutProxy;

    beforeAll(async () => {
      proxy = await startCutProxy({ host: "127.0.0.1", port: server().port });
      atEnd(() => proxy.close());
    });

    it("loses nothing: log byte for byte, every event once, SUCCEEDED", async () => {
      const started = Date.now();
      const agent = startTestAgent({
        server: proxy.url,
        token: await server().registrationToken(),
        name: "drop-agent",
        // Long enough to keep logging through the whole cut and a little after it.
        executor: createFakeExecutor(
          noisyBuildScript({
            lines: 2400,
            durationMs: CUT_MS + 5000,
            linesPerPause: 10,
            linesPerPhase: 300,
            seed: 3,
          }),
        ),
        // Reconnects keep trying through the cut; capped so the test does not wait out a 30 s backoff.
        backoff: { baseMs: 250, maxMs: 2000 },
      });
      atEnd(() => agent.stop());
      const { id } = await server().queueBuild();
      await server().waitStatus(id, ["RUNNING"], 60_000);
      await server().waitLogBytes(id, 0, 30_000, 50);
      await new Promise((r) => setTimeout(r, 1000));

      proxy.cut();
      const spooledAtCut = agent.spooledBytes(id);
      const storedAtCut = (await server().build(id)).logBytes;
      // The server notices the socket is gone (the agent goes OFFLINE) but keeps the build.
      await poll(
        "the agent to be OFFLINE",
        async () =>
          (await server().db.prisma.agent.findFirstOrThrow({ where: { name: "drop-agent" } }))
            .state,
        (s) => s === "OFFLINE",
        5000,
      );
      await new Promise((r) => setTimeout(r, CUT_MS));
      const spooledAtRestore = agent.spooledBytes(id);
      const duringCut = await server().build(id);
      expect(
        agent.worker()?.running,
        "the build must still run when the line comes back",
      ).toContain(id);
      expect(duringCut.status).toBe("RUNNING");
      expect(proxy.refused, "the agent kept trying to reconnect").toBeGreaterThan(2);
      proxy.restore();
      const restoredAt = Date.now();

      const final = await server().waitStatus(
        id,
        ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"],
        120_000,
      );
      expect(final.status, server().output().slice(-3000)).toBe("SUCCEEDED");
      const local = await agent.ended(id, 10_000);
      const spool = local.spoolLog!;
      expect(hasInvalidUtf8(spool)).toBe(true);
      expect(spool.equals(Buffer.concat(local.written))).toBe(true);

      const stored = await server().downloadLog(id);
      expect(stored.length).toBe(spool.length);
      expect(stored.equals(spool), "stored log differs from the agent's local log").toBe(true);

      const events = await server().events(id);
      const spooled = local.spoolEvents!;
      expect(events.map((e) => e.seq)).toEqual(spooled.map((e) => e.seq));
      expect(events.map((e) => JSON.parse(e.data))).toEqual(spooled.map((e) => e.event));
      const hookEvents = spooled.filter((e) => e.event.type === "hook.finished");
      expect(await server().db.prisma.buildHook.count({ where: { buildId: id } })).toBe(
        hookEvents.length,
      );
      const timings = JSON.parse(final.phaseTimings ?? "{}") as Record<string, number>;
      const expected: Record<string, number> = {};
      for (const { event: e } of spooled)
        if (e.type === "phase.finished")
          expected[e.phase] = (expected[e.phase] ?? 0) + e.durationMs;
      expect(timings).toEqual(expected);
      expect(final.requeueCount).toBe(0);
      expect(final.agentId).toBe(duringCut.agentId);

      // The cut was real and mid-build: the agent spooled while cut off, and the server had less.
      expect(spooledAtRestore).toBeGreaterThan(spooledAtCut);
      expect(storedAtCut).toBeLessThan(spooledAtRestore);
      console.info(
        `socket drop: stored ${storedAtCut} B at cut, spooled ${spooledAtCut}→${spooledAtRestore} B during the cut, ` +
          `${proxy.refused} refused reconnects, finished ${Date.now() - restoredAt} ms after restore, ` +
          `${spool.length} B, ${events.length} events, ${Date.now() - started} ms`,
      );
    }, 240_000);
  });
}
