import { isUniqueViolation, type Prisma } from "@kiln/db/client";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { TERMINAL_STATUSES, type TBuildStatus } from "@kiln/contracts/build-status";
import { finishedColumns } from "./build-transitions.ts";
import { buildTopic } from "./build-topics.ts";
import { buildMasker } from "./build-secret-masks.ts";
import { findIngestTarget } from "./find-ingest-target.ts";
import { publishBuildChange } from "./publish-build-change.ts";
import { parseStoredJson } from "../stored-json.ts";
import { ZPhaseTimings } from "./stored-request.ts";

type Tx = Prisma.TransactionClient;

export interface TRecordEventResult {
  /** False when `(buildId, seq)` was already stored (a resend): nothing changed. */
  stored: boolean;
  status: TBuildStatus;
}

/**
 * Stores one pipeline event (gateway → here) and applies it to the build:
 * `build.started` → RUNNING; `phase.finished` → phase timings;
 * `hook.finished` → a hook row; `build.finished` → the final status (one
 * mapping, `statusFromFinished`) with the failure — except from an agent,
 * whose build ends with its BUILD_FINISHED message, once its artifacts are
 * uploaded (a build is not SUCCEEDED before its images are). Idempotent by
 * `(buildId, seq)`. Published on `build:<id>` as `{kind:"event", seq, event}`.
 * The build's secrets are masked in every text of the event first.
 */
export async function recordBuildEvent(
  deps: ServerDeps,
  buildId: string,
  seq: number,
  reported: TBuildEvent,
  opts: { agentId?: string } = {},
): Promise<TRecordEventResult> {
  if (!Number.isInteger(seq) || seq < 0)
    throw new AppError("INVALID_INPUT", `event seq must be a whole number ≥ 0 (got ${seq})`, "seq");
  if (!reported || typeof reported.type !== "string" || typeof reported.t !== "number") {
    throw new AppError("INVALID_INPUT", `event ${seq}: needs a type and a time`, "event");
  }
  const build = await findIngestTarget(deps, buildId, opts.agentId);
  const event = (await buildMasker(deps, buildId, opts.agentId)).text.maskStrings(reported);
  let changed = false;
  try {
    changed = await deps.db.prisma.$transaction(async (tx) => {
      await tx.buildEvent.create({
        data: {
          buildId,
          seq,
          type: event.type,
          data: JSON.stringify(event),
          at: new Date(event.t),
        },
      });
      return applyEvent(tx, buildId, seq, event, { finalStatus: !opts.agentId });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { stored: false, status: build.status as TBuildStatus };
    throw err;
  }
  deps.bus.publish(buildTopic(buildId), {
    kind: "event",
    seq,
    event,
  });
  const fresh = await deps.db.prisma.build.findUniqueOrThrow({ where: { id: buildId } });
  if (changed) await publishBuildChange(deps, fresh);
  return { stored: true, status: fresh.status as TBuildStatus };
}

/** Returns true when the build's status changed. */
async function applyEvent(
  tx: Tx,
  buildId: string,
  seq: number,
  event: TBuildEvent,
  o: { finalStatus: boolean },
): Promise<boolean> {
  switch (event.type) {
    case "build.started": {
      const r = await tx.build.updateMany({
        where: { id: buildId, status: { in: ["QUEUED", "ASSIGNED"] } },
        data: { status: "RUNNING", startedAt: new Date(event.t), waitingReason: null },
      });
      return r.count > 0;
    }
    case "phase.finished": {
      const b = await tx.build.findUniqueOrThrow({
        where: { id: buildId },
        select: { phaseTimings: true },
      });
      const timings = parseStoredJson(
        ZPhaseTimings.default({}),
        b.phaseTimings,
        `Build.phaseTimings of build ${buildId}`,
      );
      timings[event.phase] = (timings[event.phase] ?? 0) + event.durationMs;
      await tx.build.update({
        where: { id: buildId },
        data: { phaseTimings: JSON.stringify(timings) },
      });
      return false;
    }
    case "hook.finished":
      await tx.buildHook.create({
        data: {
          buildId,
          seq,
          phase: event.phase,
          element: event.element,
          script: event.script,
          exitCode: event.exitCode,
          durationMs: event.durationMs,
        },
      });
      return false;
    case "build.finished": {
      if (!o.finalStatus) return false;
      const r = await tx.build.updateMany({
        where: { id: buildId, status: { notIn: TERMINAL_STATUSES } },
        data: finishedColumns(event, new Date(event.t)),
      });
      return r.count > 0;
    }
    case "phase.started":
    case "hook.started":
    case "step":
    case "log":
    case "progress":
    case "artifact":
      return false;
    default: {
      const never: never = event;
      throw new AppError(
        "INVALID_INPUT",
        `unknown event type ${(never as { type: string }).type}`,
        "event",
      );
    }
  }
}
