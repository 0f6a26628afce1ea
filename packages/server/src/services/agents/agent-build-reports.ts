/**
 * What an agent reports about the builds it runs, one service per message:
 * each stores the report through the build services and says what to
 * acknowledge. Reports about a build that is not the agent's (any more)
 * throw AppError (NOT_FOUND, CONFLICT), which the session answers as ERROR.
 */
import type { TAgentToServer } from "@kiln/protocol";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { appendLogChunk } from "../builds/append-log-chunk.ts";
import { isTerminal } from "@kiln/contracts/build-status";
import { finishBuild, startBuild } from "../builds/build-transitions.ts";
import { buildMasker, forgetBuildSecrets } from "../builds/build-secret-masks.ts";
import { recordBuildEvent } from "../builds/record-build-event.ts";
import type { StreamPositions } from "../builds/stream-positions.ts";

/** ACCEPT: the build is RUNNING; `cancel` when a cancel was asked before the agent accepted. */
export async function acceptAssignment(
  deps: ServerDeps,
  agentId: string,
  buildId: string,
): Promise<{ cancel: boolean }> {
  await startBuild(deps, agentId, buildId);
  const build = await deps.db.prisma.build.findUnique({ where: { id: buildId } });
  if (!build || build.agentId !== agentId) {
    throw new AppError("CONFLICT", `build ${buildId} is not assigned to this agent`, "buildId");
  }
  return { cancel: build.cancelRequestedAt !== null && !isTerminal(build.status) };
}

/** BUILD_EVENT: stored (or a resend); returns the seq to acknowledge cumulatively (null: none yet). */
export async function acceptBuildEvent(
  deps: ServerDeps,
  positions: StreamPositions,
  agentId: string,
  report: Pick<TAgentToServer<"BUILD_EVENT">, "buildId" | "seq" | "event">,
): Promise<number | null> {
  await recordBuildEvent(deps, report.buildId, report.seq, report.event, { agentId });
  return positions.stored("event", report.buildId, report.seq);
}

/** LOG_CHUNK (its data decoded): stored (or a resend); returns the seq to acknowledge. */
export async function acceptLogChunk(
  deps: ServerDeps,
  positions: StreamPositions,
  agentId: string,
  chunk: { buildId: string; seq: number; offset: number; data: Uint8Array<ArrayBuffer> },
): Promise<number | null> {
  await appendLogChunk(deps, { ...chunk, agentId });
  return positions.stored("log", chunk.buildId, chunk.seq);
}

/**
 * BUILD_FINISHED, sent once the agent's artifacts are acknowledged. "ack":
 * the build has its final status (or is gone, or another agent's: nothing to
 * keep, let the agent drop it). "wait": logs or events it names have not all
 * landed; no ack, the agent resends the rest and this message.
 */
export async function acceptBuildFinished(
  deps: ServerDeps,
  positions: StreamPositions,
  agentId: string,
  finished: TAgentToServer<"BUILD_FINISHED">,
): Promise<"ack" | "wait"> {
  const { buildId } = finished;
  const build = await deps.db.prisma.build.findUnique({ where: { id: buildId } });
  if (!build || build.agentId !== agentId || build.deletedAt) return "ack";
  const log = await positions.last("log", buildId);
  const events = await positions.last("event", buildId);
  if ((finished.lastLogSeq ?? -1) > (log ?? -1) || (finished.lastEventSeq ?? -1) > (events ?? -1))
    return "wait";
  // The failure message is text an agent sent, like an event's.
  await finishBuild(deps, (await buildMasker(deps, buildId, agentId)).text.maskStrings(finished));
  positions.forget(buildId);
  forgetBuildSecrets(deps, buildId);
  return "ack";
}

/** The agent's socket is gone: an ONLINE or DRAINING agent is now OFFLINE. */
export async function markAgentDisconnected(deps: ServerDeps, agentId: string): Promise<void> {
  await deps.db.prisma.agent.updateMany({
    where: { id: agentId, state: { in: ["ONLINE", "DRAINING"] } },
    data: { state: "OFFLINE" },
  });
}
