import type { ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { agentTopic } from "../builds/build-topics.ts";
import { publishStoredBuild } from "../builds/publish-build-change.ts";

/** Automatic requeues after a lost agent before the build is ERRORED. */
export const MAX_REQUEUES = 1;

/**
 * A build whose agent is gone. The first time it is queued again (its
 * partial events, logs and hooks cleared so the next attempt starts from
 * seq 0); after that, or when a cancel was asked, it ends. Conditional on
 * the build still being active on that agent, so a concurrent finish wins.
 */
export async function loseBuild(
  deps: ServerDeps,
  build: {
    id: string;
    agentId: string | null;
    requeueCount: number;
    cancelRequestedAt: Date | null;
  },
  why: string,
): Promise<"requeued" | "errored" | "cancelled" | "unchanged"> {
  const p = deps.db.prisma;
  const now = deps.now();
  const guard = { id: build.id, agentId: build.agentId, status: { in: ACTIVE_STATUSES } };
  let outcome: "requeued" | "errored" | "cancelled";
  let count: number;
  if (build.cancelRequestedAt) {
    outcome = "cancelled";
    ({ count } = await p.build.updateMany({
      where: guard,
      data: { status: "CANCELLED", finishedAt: now, failureMessage: `cancelled; ${why}` },
    }));
  } else if (build.requeueCount < MAX_REQUEUES) {
    outcome = "requeued";
    const [r] = await p.$transaction([
      p.build.updateMany({
        where: guard,
        data: {
          status: "QUEUED",
          agentId: null,
          assignedAt: null,
          startedAt: null,
          phaseTimings: null,
          logBytes: 0,
          requeueCount: { increment: 1 },
          waitingReason: `requeued: ${why}`,
        },
      }),
      // Only once the build is back in the queue (not if it finished meanwhile).
      p.buildEvent.deleteMany({ where: { buildId: build.id, build: { status: "QUEUED" } } }),
      p.logChunk.deleteMany({ where: { buildId: build.id, build: { status: "QUEUED" } } }),
      p.buildHook.deleteMany({ where: { buildId: build.id, build: { status: "QUEUED" } } }),
    ]);
    count = r.count;
  } else {
    outcome = "errored";
    ({ count } = await p.build.updateMany({
      where: guard,
      data: { status: "ERRORED", finishedAt: now, failureMessage: why },
    }));
  }
  if (count === 0) return "unchanged";
  if (build.agentId) {
    // If the agent comes back it must drop the build.
    deps.bus.publish(agentTopic(build.agentId), {
      type: "cancel",
      buildId: build.id,
    });
  }
  await publishStoredBuild(deps, build.id);
  return outcome;
}
