import type { z } from "zod";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { Actor, ServerDeps } from "../../context.ts";
import { findReadableBuild } from "./build-access.ts";
import type { TBuildStatus } from "@kiln/contracts/build-status";
import { parseStoredJson } from "../stored-json.ts";
import {
  parseResolvedElements,
  parseStoredRequest,
  ZManifestPackage,
  ZPhaseTimings,
  type TResolvedElement,
  type TStoredBuildRequest,
} from "./stored-request.ts";

export type TManifestPackage = z.infer<typeof ZManifestPackage>;

export interface TBuildDetail {
  id: string;
  number: number;
  status: TBuildStatus;
  request: TStoredBuildRequest;
  recipe: { id: string; name: string; visibility: string } | null;
  recipeVersion: { id: string; version: number } | null;
  teamId: string | null;
  requestedBy: { id: string; email: string; name: string } | null;
  agent: { id: string; name: string; arch: string } | null;
  waitingReason: string | null;
  queuedAt: Date;
  assignedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  resolvedElements: TResolvedElement[];
  failure: {
    phase: string | null;
    element: string | null;
    script: string | null;
    exitCode: number | null;
    message: string | null;
  } | null;
  phaseTimings: Record<string, number>;
  hooks: {
    seq: number;
    phase: string;
    element: string;
    script: string;
    exitCode: number;
    durationMs: number;
  }[];
  artifacts: {
    id: string;
    type: string;
    fileName: string;
    sizeBytes: number;
    sha256: string;
    md5: string;
    createdAt: Date;
  }[];
  manifest: TManifestPackage[];
  logBytes: number;
  pinned: boolean;
  retryOfId: string | null;
  requeueCount: number;
  cancelRequestedAt: Date | null;
  deletedAt: Date | null;
}

/** One build with everything the detail page shows. */
export async function getBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<TBuildDetail> {
  await findReadableBuild(deps, actor, buildId);
  const b = await deps.db.prisma.build.findUniqueOrThrow({
    where: { id: buildId },
    include: {
      recipe: { select: { id: true, name: true, visibility: true } },
      recipeVersion: { select: { id: true, version: true } },
      requestedBy: { select: { id: true, email: true, name: true } },
      agent: { select: { id: true, name: true, arch: true } },
      hooks: { orderBy: { seq: "asc" } },
      artifacts: { orderBy: { fileName: "asc" } },
    },
  });
  const failed = b.failurePhase || b.failureMessage || b.failureExitCode !== null;
  return {
    id: b.id,
    number: b.number,
    status: b.status as TBuildStatus,
    request: parseStoredRequest(b.request, b.id),
    recipe: b.recipe,
    recipeVersion: b.recipeVersion,
    teamId: b.teamId,
    requestedBy: b.requestedBy,
    agent: b.agent,
    waitingReason: b.waitingReason,
    queuedAt: b.queuedAt,
    assignedAt: b.assignedAt,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    durationMs: b.startedAt && b.finishedAt ? b.finishedAt.getTime() - b.startedAt.getTime() : null,
    resolvedElements: parseResolvedElements(b.resolvedElements, b.id),
    failure: failed
      ? {
          phase: b.failurePhase,
          element: b.failureElement,
          script: b.failureScript,
          exitCode: b.failureExitCode,
          message: b.failureMessage,
        }
      : null,
    phaseTimings: parseStoredJson(
      ZPhaseTimings.default({}),
      b.phaseTimings,
      `Build.phaseTimings of build ${b.id}`,
    ),
    hooks: b.hooks.map((h) => ({
      seq: h.seq,
      phase: h.phase,
      element: h.element,
      script: h.script,
      exitCode: h.exitCode,
      durationMs: h.durationMs,
    })),
    artifacts: b.artifacts.map((a) => ({
      id: a.id,
      type: a.type,
      fileName: a.fileName,
      sizeBytes: Number(a.sizeBytes),
      sha256: a.sha256,
      md5: a.md5,
      createdAt: a.createdAt,
    })),
    manifest: parseStoredJson(
      ZManifestPackage.array().default([]),
      b.manifest,
      `Build.manifest of build ${b.id}`,
    ),
    logBytes: b.logBytes,
    pinned: b.pinned,
    retryOfId: b.retryOfId,
    requeueCount: b.requeueCount,
    cancelRequestedAt: b.cancelRequestedAt,
    deletedAt: b.deletedAt,
  };
}

/** Stored events after `afterSeq`, in order (the replay part of a subscription). */
export async function listBuildEvents(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; afterSeq?: number; limit?: number },
): Promise<{ seq: number; event: TBuildEvent }[]> {
  await findReadableBuild(deps, actor, input.buildId);
  const rows = await deps.db.prisma.buildEvent.findMany({
    where: { buildId: input.buildId, seq: { gt: input.afterSeq ?? -1 } },
    orderBy: { seq: "asc" },
    take: Math.min(input.limit ?? 5000, 5000),
  });
  return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.data) as TBuildEvent }));
}
