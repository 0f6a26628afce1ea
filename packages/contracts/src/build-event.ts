/**
 * Typed build events: the one interface through which the pipeline reports.
 * The CLI renders them, the agent forwards them to the server verbatim, and
 * the server validates them with this schema instead of trusting them. The
 * type is inferred from the schema, so there is one definition. `t` is
 * milliseconds since the epoch.
 */
import { z } from "zod";
import { PHASES } from "./phases.ts";

export const ZPhase = z.enum(PHASES);

const t = z.number();
const count = z.number().int().min(0);
const ms = z.number().min(0);
const text = z.string().max(64 * 1024);

const ZBuildStarted = z.object({
  type: z.literal("build.started"),
  t,
  buildId: z.string(),
  elements: z.array(z.string()),
  phases: z.array(ZPhase),
});

const ZPhaseStarted = z.object({
  type: z.literal("phase.started"),
  t,
  phase: ZPhase,
  index: count,
  total: count,
  where: z.enum(["host", "chroot"]),
  hooks: count,
});

const ZPhaseFinished = z.object({
  type: z.literal("phase.finished"),
  t,
  phase: ZPhase,
  durationMs: ms,
  ok: z.boolean(),
});

const ZHookStarted = z.object({
  type: z.literal("hook.started"),
  t,
  phase: ZPhase,
  element: z.string(),
  script: z.string(),
});

const ZHookFinished = z.object({
  type: z.literal("hook.finished"),
  t,
  phase: ZPhase,
  element: z.string(),
  script: z.string(),
  exitCode: z.number().int(),
  durationMs: ms,
});

const ZStep = z.object({
  type: z.literal("step"),
  t,
  name: z.string(),
  detail: text.optional(),
});

const ZLogEvent = z.object({
  type: z.literal("log"),
  t,
  stream: z.enum(["stdout", "stderr", "kiln"]),
  line: z.string(),
  phase: ZPhase.optional(),
  element: z.string().optional(),
  script: z.string().optional(),
});

const ZProgress = z.object({
  type: z.literal("progress"),
  t,
  /** 1-based index of the current phase. */
  index: count,
  total: count,
  phase: z.union([ZPhase, z.enum(["outputs", "block-device", "setup", "teardown"])]),
  hook: z.string().optional(),
  elapsedMs: ms,
  /** Estimated remaining time, when earlier builds give a basis. */
  etaMs: ms.optional(),
  /** 0..1 overall fraction. */
  fraction: z.number().min(0).max(1),
});

const ZArtifactEvent = z.object({
  type: z.literal("artifact"),
  t,
  kind: z.string(),
  path: z.string(),
  bytes: count,
  sha256: z.string().optional(),
  md5: z.string().optional(),
});

/** The failure a finished build carries; also BUILD_FINISHED's `error`. */
export const ZBuildFailure = z.object({
  code: z.string(),
  message: text,
  phase: ZPhase.optional(),
  element: z.string().optional(),
  script: z.string().optional(),
  exitCode: z.number().int().optional(),
});

/** How a build ended, as the engine reports it. */
export const ZFinishStatus = z.enum(["succeeded", "failed", "errored", "cancelled"]);

const ZBuildFinished = z.object({
  type: z.literal("build.finished"),
  t,
  status: ZFinishStatus,
  durationMs: ms,
  error: ZBuildFailure.optional(),
});

/** Every `TBuildEvent` variant, discriminated by `type`. */
export const ZBuildEvent = z.discriminatedUnion("type", [
  ZBuildStarted,
  ZPhaseStarted,
  ZPhaseFinished,
  ZHookStarted,
  ZHookFinished,
  ZStep,
  ZLogEvent,
  ZProgress,
  ZArtifactEvent,
  ZBuildFinished,
]);

/** The `type` values of build events. */
export const BUILD_EVENT_TYPES = ZBuildEvent.options.map((o) => o.shape.type.value);

export type TBuildEvent = z.infer<typeof ZBuildEvent>;

/** Receives every event, in order. Must not throw. */
export type EventSink = (event: TBuildEvent) => void;
