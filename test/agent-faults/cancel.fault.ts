/**
 * Fault: a running build is cancelled through tRPC `builds.cancel`. It must
 * be CANCELLED within 10 s: with a fake executor that would otherwise run
 * for minutes, and (as root) with the real engine while an install.d hook
 * sleeps in the chroot, after which no mount, loop device or chrooted
 * process of the build may remain.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/engine/logger";
import { createEngineExecutor } from "../../apps/cli/src/agent/create-engine-executor.ts";
import { createFakeExecutor } from "../../apps/cli/src/agent/create-fake-executor.ts";
import {
  canBuild,
  FIXTURE_ELEMENTS,
  hostState,
  removeDirSafely,
  SLEEP_BUILD,
} from "./support/host-state.ts";
import { noisyBuildScript } from "./support/noisy-build-script.ts";
import { poll, startFaultServer, type FaultServer } from "./support/start-fault-server.ts";
import { ARCH, startTestAgent, type TestAgent } from "./support/start-test-agent.ts";

const CANCEL_LIMIT_MS = 10_000;
const whyNoRoot = canBuild();
if (whyNoRoot) console.info(`cancel with the real engine skipped: ${whyNoRoot}`);

/** Declares this fault's suite (run from agent-faults.test.ts, concurrently with the others). */
export function describeCancelFault(): void {
  describe("cancel a running build", () => {
    let server: FaultServer;
    const agents: TestAgent[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      server = await startFaultServer({ heartbeatMs: 1000 });
    });
    afterAll(async () => {
      for (const a of agents) await a.stop();
      await server?.close();
      for (const d of dirs) removeDirSafely(d);
    });

    it("fake executor: CANCELLED within 10 s, log complete up to the cancel", async () => {
      const agent = startTestAgent({
        server: server.url,
        token: await server.registrationToken(),
        name: "cancel-fake",
        labels: { executor: "fake" },
        // Two minutes of logging unless cancelled.
        executor: createFakeExecutor(
          noisyBuildScript({ lines: 3000, durationMs: 120_000, seed: 5 }),
        ),
      });
      agents.push(agent);
      const { id } = await server.trpc.builds.create.mutate({
        teamId: server.teamId,
        request: { elements: ["fake-os"], arch: ARCH, skipBase: true, types: ["raw"] },
        agentLabels: { executor: "fake" },
      });
      await server.waitStatus(id, ["RUNNING"], 60_000);
      await poll(
        "some log",
        async () => (await server.build(id)).logBytes,
        (n) => n > 0,
        30_000,
        50,
      );

      const t0 = Date.now();
      const answer = await server.trpc.builds.cancel.mutate({ buildId: id });
      expect(answer).toEqual({ status: "RUNNING", cancelRequested: true });
      const final = await server.waitStatus(
        id,
        ["CANCELLED", "SUCCEEDED", "FAILED", "ERRORED"],
        CANCEL_LIMIT_MS,
      );
      const tookMs = Date.now() - t0;
      expect(final.status).toBe("CANCELLED");
      expect(tookMs).toBeLessThan(CANCEL_LIMIT_MS);

      const local = await agent.ended(id, 5000);
      expect(local.spoolLog!.toString("latin1")).toContain("kiln: cancelling: cancelled\n");
      const stored = await server.downloadLog(id);
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

    it.skipIf(!!whyNoRoot)(
      "real engine, hook sleeping in the chroot: CANCELLED within 10 s and the host clean",
      async () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-fault-cache-"));
        dirs.push(cache);
        const agent = startTestAgent({
          server: server.url,
          token: await server.registrationToken(),
          name: "cancel-engine",
          labels: { executor: "engine" },
          executor: createEngineExecutor({
            elementsPath: [FIXTURE_ELEMENTS],
            hostEnv: { PATH: process.env.PATH },
            imageCache: cache,
            logger: silentLogger,
          }),
        });
        agents.push(agent);
        const { id } = await server.trpc.builds.create.mutate({
          teamId: server.teamId,
          ...SLEEP_BUILD,
          agentLabels: { executor: "engine" },
        });
        await poll(
          "the install.d hook to sleep",
          async () => (await server.downloadLog(id)).toString("latin1"),
          (log) => log.includes("sleeping"),
          60_000,
          200,
        );
        // The precondition that makes the clean-host check mean something.
        const before = hostState(agent.workDir);
        expect(before.mounts.length, "the sleeping build has mounts").toBeGreaterThan(0);
        expect(before.chrooted.length, "the hook runs in the chroot").toBeGreaterThan(0);

        const t0 = Date.now();
        await server.trpc.builds.cancel.mutate({ buildId: id });
        const final = await server.waitStatus(
          id,
          ["CANCELLED", "SUCCEEDED", "FAILED", "ERRORED"],
          CANCEL_LIMIT_MS,
        );
        const tookMs = Date.now() - t0;
        expect(final.status, (await server.downloadLog(id)).toString()).toBe("CANCELLED");
        expect(tookMs).toBeLessThan(CANCEL_LIMIT_MS);
        // BUILD_FINISHED (hence CANCELLED) goes out after teardown: the host is clean by now.
        expect(hostState(agent.workDir)).toEqual({ mounts: [], loops: [], chrooted: [] });
        console.info(
          `cancel (engine): ${before.mounts.length} mounts, ${before.chrooted.length} chrooted pids; CANCELLED after ${tookMs} ms`,
        );
      },
      180_000,
    );
  });
}
