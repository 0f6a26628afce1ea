/**
 * Build status changes an agent's messages cause, each conditional on the
 * build still being where the message expects it (so a concurrent cancel,
 * requeue or finish wins), and announced on the bus when they happen.
 */
import type { TAgentToServer } from "@kiln/protocol";
import type { ServerDeps } from "../context.ts";
import { statusFromFinished, TERMINAL_STATUSES } from "../services/builds/build-status.ts";
import { publishBuildChange } from "../services/builds/publish-build-change.ts";

type Where = { id: string } & Record<string, unknown>;

async function transition(deps: ServerDeps, where: Where, data: Record<string, unknown>) {
  const p = deps.db.prisma;
  const r = await p.build.updateMany({ where, data });
  if (r.count)
    await publishBuildChange(deps, await p.build.findUniqueOrThrow({ where: { id: where.id } }));
  return r.count > 0;
}

/** ACCEPT: ASSIGNED → RUNNING. */
export const startBuild = (deps: ServerDeps, agentId: string, buildId: string) =>
  transition(
    deps,
    { id: buildId, agentId, status: "ASSIGNED" },
    { status: "RUNNING", startedAt: deps.now(), waitingReason: null },
  );

/** REJECT: back to the queue (not dispatched at once: the same agent would get it back). */
export const requeueRejected = (deps: ServerDeps, agentId: string, m: TAgentToServer<"REJECT">) =>
  transition(
    deps,
    { id: m.buildId, agentId, status: "ASSIGNED" },
    {
      status: "QUEUED",
      agentId: null,
      assignedAt: null,
      waitingReason: `rejected by an agent (${m.code}): ${m.reason}`.slice(0, 500),
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
export function finishBuild(deps: ServerDeps, m: TAgentToServer<"BUILD_FINISHED">) {
  const e = m.error;
  return transition(
    deps,
    { id: m.buildId, status: { notIn: TERMINAL_STATUSES } },
    {
      status: statusFromFinished(m.status),
      finishedAt: deps.now(),
      waitingReason: null,
      ...(e
        ? {
            failurePhase: e.phase ?? null,
            failureElement: e.element ?? null,
            failureScript: e.script ?? null,
            failureExitCode: e.exitCode ?? null,
            failureMessage: e.message,
          }
        : {}),
    },
  );
}
