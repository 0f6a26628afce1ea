import { expect } from "vitest";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { startDispatcher } from "./start-dispatcher.ts";

describeEachProvider("startDispatcher", (provider, run) => {
  const f = useFixture(provider, createFixture);
  const build = (id: string) => f.db.prisma.build.findUniqueOrThrow({ where: { id } });
  const agent = (id: string) => f.db.prisma.agent.findUniqueOrThrow({ where: { id } });

  run(
    "dispatches a new build soon after it changes, marks silent agents offline, then stops",
    async () => {
      // A tick too slow to matter: only the change subscription can assign within the poll.
      const stop = startDispatcher(f.deps, {
        everyMs: 3_600_000,
        afterChangeMs: 20,
        offline: { heartbeatMs: 1000 },
      });
      try {
        const online = await addAgent(f, "ready");
        const { id } = await f.caller(f.users.alice).builds.create({
          teamId: f.teamA,
          request: { elements: ["ubuntu"], arch: "amd64" },
        });
        await expect.poll(async () => (await build(id)).agentId).toBe(online);
      } finally {
        stop();
      }
      // Stopped: a change no longer dispatches.
      const { id: later } = await f.caller(f.users.alice).builds.create({
        teamId: f.teamA,
        request: { elements: ["ubuntu"], arch: "amd64" },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect((await build(later)).status).toBe("QUEUED");

      // The first tick comes at once and marks an agent silent since before this start.
      const silent = await addAgent(f, "silent", { capacity: 0 });
      const restarted = startDispatcher(f.deps, {
        everyMs: 3_600_000,
        afterChangeMs: 20,
        offline: { heartbeatMs: 1000 },
      });
      try {
        f.clock.t += 10_000;
        await expect.poll(async () => (await agent(silent)).state).toBe("OFFLINE");
      } finally {
        restarted();
      }
    },
  );
});
