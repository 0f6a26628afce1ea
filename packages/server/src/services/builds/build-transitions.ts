/**
 * Build status changes an agent's messages cause, each conditional on the
 * build still being where the message expects it (so a concurrent cancel,
 * requeue or finish wins), and announced on the bus when they happen.
 */
import type { TAgentToServer } from "@kiln/protocol";
import type { ServerDeps } from "../../context.ts";
import { statusFromFinished, TERMINAL_STATUSES } from "@kiln/contracts/build-status";
import { publishBuildChange } from "./publish-build-change.ts";

type Where = { id: string } & Record<string, unknown>;

/** How a build ended, as the engine's build.finished event and the agent's BUILD_FINISHED both say it. */
export interface TBuildOutcome {
  status: Parameters<typeof statusFromFinished>[0];
  error?: {
    message: string;
    phase?: string | undefined;
    element?: string | undefined;
    script?: string | undefined;
    exitCode?: number | undefined;
  };
}

/** The columns a finished build gets: its final status, when, and what failed (if anything). */
export function finishedColumns(outcome: TBuildOutcome, finishedAt: Date) {
  const failure = outcome.error;
  return {
    status: statusFromFinished(outcome.status),
    finishedAt,
    waitingReason: null,
    ...(failure
      ? {
          failurePhase: failure.phase ?? null,
          failureElement: failure.element ?? null,
          failureScript: failure.script ?? null,
          failureExitCode: failure.exitCode ?? null,
          failureMessage: failure.message,
        }
      : {}),
  };
}

async function transition(deps: ServerDeps, where: Where, data: Record<string, unknown>) {
  const prisma = deps.db.prisma;
  const result = await prisma.build.updateMany({ where, data });
  if (result.count)
    await publishBuildChange(
      deps,
      await prisma.build.findUniqueOrThrow({ where: { id: where.id } }),
    );
  return result.count > 0;
}

/** ACCEPT: ASSIGNED → RUNNING. */
export const startBuild = (deps: ServerDeps, agentId: string, buildId: string) =>
  transition(
    deps,
    { id: buildId, agentId, status: "ASSIGNED" },
    { status: "RUNNING", startedAt: deps.now(), waitingReason: null },
  );

/** REJECT: back to the queue (not dispatched at once: the same agent would get it back). */
export const requeueRejected = (
  deps: ServerDeps,
  agentId: string,
  reject: Pick<TAgentToServer<"REJECT">, "buildId" | "code" | "reason">,
) =>
  transition(
    deps,
    { id: reject.buildId, agentId, status: "ASSIGNED" },
    {
      status: "QUEUED",
      agentId: null,
      assignedAt: null,
      waitingReason: `rejected by an agent (${reject.code}): ${reject.reason}`.slice(0, 500),
    },
  );

/** The build cannot be handed to an agent (e.g. a secret no longer decrypts): ERRORED, not stuck. */
export const errorUnassignable = (deps: ServerDeps, buildId: string, why: string) =>
  transition(
    deps,
    { id: buildId, status: "ASSIGNED" },
    {
      status: "ERRORED",
      finishedAt: deps.now(),
      failureMessage: `could not prepare the build for the agent: ${why}`.slice(0, 4000),
    },
  );

/** BUILD_FINISHED: the final status, unless the engine's build.finished event already set one. */
export const finishBuild = (deps: ServerDeps, finished: TAgentToServer<"BUILD_FINISHED">) =>
  transition(
    deps,
    { id: finished.buildId, status: { notIn: TERMINAL_STATUSES } },
    finishedColumns(finished, deps.now()),
  );
