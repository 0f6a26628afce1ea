/**
 * Fault: a running build is cancelled through tRPC `builds.cancel`. It must
 * be CANCELLED within 10 s: with a fake executor that would otherwise run
 * for minutes, and (as root) with the real engine while an install.d hook
 * sleeps in the chroot, after which no mount, loop device or chrooted
 * process of the build may remain.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { createEngineExecutor } from "../../apps/cli/src/agent/create-engine-executor.ts";
import { createFakeExecutor } from "../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { FIXTURE_ELEMENTS, hostState, SLEEP_BUILD } from "./support/host-state.ts";
import { noisyBuildScript } from "./support/noisy-build-script.ts";
import { poll } from "./support/start-fault-server.ts";
import { startTestAgent } from "./support/start-test-agent.ts";
import { useFaultServer } from "./support/use-fault-server.ts";

const CANCEL_LIMIT_MS = 10_000;

/** Declares this fault's suite (run from agent-faults.test.ts, concurrently with the others). */
export function describeCancelFault(): void {
  describe("cancel a running build", () => {
    const { server, atEnd } = useFaultServer({ heartbeatMs: 1000 });

    it("fake executor: CANCELLED within 10 s, log complete up to the cancel", async () => {
      const agent = startTestAgent({
        server: server().url,
        token: await server().registrationToken(),
        name: "cancel-fake",
        labels: { executor: "fake" },
        // Two minutes of logging unless cancelled.
        executor: createFakeExecutor(
          noisyBuildScript({ lines: 3000, durationMs: 120_000, seed: 5 }),
        ),
      });
      atEnd(() => agent.stop());
      const { id } = await server().queueBuild({ agentLabels: { executor: "fake" } });
      await server().waitStatus(id, ["RUNNING"], 60_000);
      await server().waitLogBytes(id, 0, 30_000, 50);

      const t0 = Date.now();
      const answer = await server().trpc.builds.cancel.mutate({ buildId: id });
      expect(answer).toEqual({ status: "RUNNING", cancelRequested: true });
      const final = await server().waitStatus(
        id,
        ["CANCELLED", "SUCCEEDED", "FAILED", "ERRORED"],
        CANCEL_LIMIT_MS,
      );
      const tookMs = Date.now() - t0;
      expect(final.status).toBe("CANCELLED");
      expect(tookMs).toBeLessThan(CANCEL_LIMIT_MS);

      const local = await agent.ended(id, 5000);
      expect(local.spoolLog!.toString("latin1")).toContain("kiln: cancelling: cancelled\n");
      const stored = await server().downloadLog(id);
      expect(stored.equals(local.spoolLog!), "stored log differs from the agent's").toBe(true);
      // The fake executor stopped at the cancel, far from the end of its script.
      expect(local.written.length).toBeLessThan(3000);
      await poll(
        "the agent's slot to be free",
        () => agent.worker()?.running ?? [],
        (r) => r.length === 0,
        5000,
      );
      console.info(`cancel (fake executor): CANCELLED after ${tookMs} ms`);
    }, 150_000);
  });
}

/** The same fault with the real engine (root; run from agent-faults.root.test.ts). */
export function describeCancelWithEngineFault(): void {
  describe("cancel a running build, real engine", () => {
    const { server, atEnd, tmpDir } = useFaultServer({ heartbeatMs: 1000 });

    it("real engine, hook sleeping in the chroot: CANCELLED within 10 s and the host clean", async () => {
      const cache = tmpDir("kiln-fault-cache-");
      const agent = startTestAgent({
        server: server().url,
        token: await server().registrationToken(),
        name: "cancel-engine",
        labels: { executor: "engine" },
        executor: createEngineExecutor({
          elementsPath: [FIXTURE_ELEMENTS],
          hostEnv: { PATH: process.env.PATH },
          imageCache: cache,
          logger: silentLogger,
        }),
      });
      atEnd(() => agent.stop());
      const { id } = await server().queueBuild({
        ...SLEEP_BUILD,
        agentLabels: { executor: "engine" },
      });
      // The install.d hook sleeps.
      await server().waitLogText(id, "sleeping", 60_000);
      // The precondition that makes the clean-host check mean something.
      const before = hostState(agent.workDir);
      expect(before.mounts.length, "the sleeping build has mounts").toBeGreaterThan(0);
      expect(before.chrooted.length, "the hook runs in the chroot").toBeGreaterThan(0);

      const t0 = Date.now();
      await server().trpc.builds.cancel.mutate({ buildId: id });
      const final = await server().waitStatus(
        id,
        ["CANCELLED", "SUCCEEDED", "FAILED", "ERRORED"],
        CANCEL_LIMIT_MS,
      );
      const tookMs = Date.now() - t0;
      expect(final.status, (await server().downloadLog(id)).toString()).toBe("CANCELLED");
      expect(tookMs).toBeLessThan(CANCEL_LIMIT_MS);
      // BUILD_FINISHED (hence CANCELLED) goes out after teardown: the host is clean by now.
      expect(hostState(agent.workDir)).toEqual({ mounts: [], loops: [], chrooted: [] });
      console.info(
        `cancel (engine): ${before.mounts.length} mounts, ${before.chrooted.length} chrooted pids; CANCELLED after ${tookMs} ms`,
      );
    }, 180_000);
  });
}
