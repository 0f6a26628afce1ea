import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { findWritableBuild } from "./build-access.ts";
import { isTerminal, type TBuildStatus } from "@kiln/contracts/build-status";
import { agentTopic } from "./build-topics.ts";
import { publishBuildChange } from "./publish-build-change.ts";

/**
 * Cancels a build. A queued one is CANCELLED at once; an assigned or running
 * one gets `cancelRequestedAt` and its agent is told (`agent:<id>`
 * `{type:"cancel"}`); it becomes CANCELLED when the agent reports the end.
 */
export async function cancelBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<{ status: TBuildStatus; cancelRequested: boolean }> {
  const build = await findWritableBuild(deps, actor, buildId);
  if (isTerminal(build.status))
    throw new AppError("CONFLICT", `build #${build.number} has already finished`);
  const p = deps.db.prisma;
  const now = deps.now();
  // Conditional on QUEUED: if the dispatcher assigned it meanwhile, fall through to a request.
  const queued = await p.build.updateMany({
    where: { id: buildId, status: "QUEUED" },
    data: { status: "CANCELLED", finishedAt: now, cancelRequestedAt: now, waitingReason: null },
  });
  await audit(deps, actor, "build.cancel", `build:${buildId}`, { number: build.number });
  const fresh = await p.build.findUniqueOrThrow({ where: { id: buildId } });
  if (queued.count === 1) {
    await publishBuildChange(deps, fresh);
    return { status: "CANCELLED", cancelRequested: false };
  }
  if (isTerminal(fresh.status))
    return { status: fresh.status as TBuildStatus, cancelRequested: false };
  await p.build.updateMany({
    where: { id: buildId, cancelRequestedAt: null },
    data: { cancelRequestedAt: now },
  });
  if (fresh.agentId) {
    deps.bus.publish(agentTopic(fresh.agentId), {
      type: "cancel",
      buildId,
    });
  }
  await publishBuildChange(deps, fresh);
  return { status: fresh.status as TBuildStatus, cancelRequested: true };
}
