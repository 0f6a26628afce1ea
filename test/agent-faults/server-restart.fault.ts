/**
 * Fault: the server is killed (SIGKILL) and restarted mid-build. The agent
 * keeps building and spooling, reconnects with backoff, resends from the
 * server's stored seqs, and the stored log equals its local log byte for byte.
 * The server stays down longer than 3 heartbeats plus the grace period: the
 * restarted server must not count its own downtime as the agent's silence
 * (it did, and lost the build, before mark-agents-offline took serverStartedAt).
 */
import { describe, expect, it } from "vitest";
import { createFakeExecutor } from "../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { hasInvalidUtf8, noisyBuildScript } from "./support/noisy-build-script.ts";
import { startTestAgent } from "./support/start-test-agent.ts";
import { useFaultServer } from "./support/use-fault-server.ts";

const DOWN_MS = 6000;

/** Declares this fault's suite (run from agent-faults.test.ts, concurrently with the others). */
export function describeServerRestartFault(): void {
  describe("server killed and restarted mid-build", () => {
    // An agent silent for 3 s is OFFLINE, for 5 s its build is lost.
    const { server, atEnd } = useFaultServer({ heartbeatMs: 1000, graceMs: 2000 });

    it("completes the build with the stored log equal to the agent's, byte for byte", async () => {
      const started = Date.now();
      const agent = startTestAgent({
        server: server().url,
        token: await server().registrationToken(),
        name: "restart-agent",
        executor: createFakeExecutor(
          noisyBuildScript({ lines: 4000, durationMs: 12_000, linesPerPhase: 700, seed: 11 }),
        ),
        backoff: { baseMs: 200, maxMs: 1500 },
      });
      atEnd(() => agent.stop());
      const { id } = await server().queueBuild();
      await server().waitStatus(id, ["RUNNING"], 60_000);
      // Mid-build: some of the log is stored, most is still to come.
      const storedAtKill = await server().waitLogBytes(id, 50_000, 60_000, 20);
      await server().kill("SIGKILL");
      const spooledAtKill = agent.spooledBytes(id);
      expect(agent.worker()?.running, "the build must still run when the server dies").toContain(
        id,
      );

      // Down for longer than heartbeats plus grace; the agent retries and keeps spooling.
      await new Promise((r) => setTimeout(r, DOWN_MS));
      const spooledAtRestart = agent.spooledBytes(id);
      await server().start();

      const final = await server()
        .waitStatus(id, ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"], 60_000)
        .catch((err: Error) => {
          // Both sides' own accounts, so a failure here can be read, not guessed.
          const agentLog = agent.messages.slice(-40).map((m) => JSON.stringify(m));
          throw new Error(
            `${err.message}\n--- server (tail) ---\n${server().output().slice(-4000)}` +
              `\n--- agent (last 40) ---\n${agentLog.join("\n")}`,
          );
        });
      expect(final.status, server().output().slice(-3000)).toBe("SUCCEEDED");
      const local = await agent.ended(id, 10_000);

      const stored = await server().downloadLog(id);
      const spool = local.spoolLog!;
      const written = Buffer.concat(local.written);
      expect(hasInvalidUtf8(written), "the log must hold invalid UTF-8").toBe(true);
      expect(spool.length).toBeGreaterThan(1 << 20); // spans more than one 1 MiB download range
      expect(spool.equals(written), "the spool holds exactly what the executor wrote").toBe(true);
      expect(stored.length).toBe(spool.length);
      expect(stored.equals(spool), "stored log differs from the agent's local log").toBe(true);
      expect(final.logBytes).toBe(spool.length);

      // Events too: every one stored once, in order, as the agent spooled it.
      const events = await server().events(id);
      expect(events.map((e) => e.seq)).toEqual(local.spoolEvents!.map((e) => e.seq));
      expect(events.map((e) => JSON.parse(e.data))).toEqual(local.spoolEvents!.map((e) => e.event));
      const hooks = await server().db.prisma.buildHook.count({ where: { buildId: id } });
      expect(hooks).toBe(local.spoolEvents!.filter((e) => e.event.type === "hook.finished").length);

      // The outage really was mid-build: bytes were spooled while the server was down (they can
      // only have arrived by resend), and the agent reconnected instead of being handed a new build.
      expect(storedAtKill).toBeLessThan(spool.length);
      expect(spooledAtRestart).toBeGreaterThan(spooledAtKill);
      expect(agent.messages.filter((m) => m.msg === "connected").length).toBeGreaterThanOrEqual(2);
      expect(final.requeueCount).toBe(0);
      console.info(
        `server restart: stored ${storedAtKill} B at kill, spooled ${spooledAtKill}→${spooledAtRestart} B while down, ` +
          `${spool.length} B total, ${events.length} events, ${Date.now() - started} ms`,
      );
    }, 180_000);
  });
}
