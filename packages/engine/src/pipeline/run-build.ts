import { checkPythonHooks } from "./host/preflight.ts";
import { pythonHookCheck } from "./runtime-lib.ts";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { HookFailedError, KilnError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { TBuildRequest } from "../plan/build-request.ts";
import { planBuild } from "../plan/plan-build.ts";
import { PHASES, type TPhase } from "../plan/phases.ts";
import type { BuildPaths } from "./build-env.ts";
import type { BuildHost } from "./build-host.ts";
import { runBuildSequence } from "./build-sequence.ts";
import type { EventSink, TBuildEvent } from "./events.ts";
import type { TArtifact } from "./outputs/plan-outputs.ts";
import { ProgressTracker, type PhaseTimings } from "./progress.ts";
import type { HookTiming } from "./run-phase.ts";

export interface RunBuildOptions {
  request: TBuildRequest;
  /** Full elements path: the user's entries first, Kiln's built-ins last. */
  elementsPath: string[];
  /** The caller's environment (DIB_* and the rest), passed through to hooks. */
  env: Record<string, string | undefined>;
  /** The command line, for DIB_ARGS and the build record. */
  args: string[];
  /** Directory outputs are relative to and host hooks run in. */
  cwd: string;
  /** Parent of the build directories (DIB's TMP_DIR). */
  tmpDir: string;
  /** The image cache (DIB_IMAGE_CACHE). */
  imageCache: string;
  host: BuildHost;
  emit: EventSink;
  logger?: Logger;
  signal?: AbortSignal;
  /** Phase durations of an earlier build, for ETAs. */
  history?: PhaseTimings;
  buildId?: string;
}

export interface BuildResult {
  status: "succeeded" | "failed" | "errored" | "cancelled";
  error?: KilnError | Error;
  artifacts: TArtifact[];
  hooks: (HookTiming & { phase: TPhase })[];
  timings: PhaseTimings;
  durationMs: number;
}

/** Stages for progress: the ten phases plus the image steps between them. */
const STAGES = [...PHASES.slice(0, 6), "block-device", ...PHASES.slice(6), "outputs"];

/**
 * Build an image: DIB's disk-image-create sequence (spec §2.1), with
 * every mount, loop device and temp dir torn down in all outcomes.
 */
export async function runBuild(o: RunBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const logger = o.logger ?? silentLogger;
  const buildId = o.buildId ?? crypto.randomUUID();
  const progress = new ProgressTracker(STAGES, o.history);
  const hooks: BuildResult["hooks"] = [];
  const artifacts: TArtifact[] = [];
  const emit = (e: TBuildEvent) => o.emit(e);
  const step = (name: string, detail?: string) =>
    emit({ type: "step", t: Date.now(), name, detail });
  const report = (phase: string, hook?: string) =>
    emit({ type: "progress", t: Date.now(), phase: phase as TPhase, hook, ...progress.snapshot() });

  let dirs: { buildDir: string; imageDir: string } | undefined;
  let failed = true;
  let result: BuildResult["status"] = "errored";
  let error: KilnError | Error | undefined;
  try {
    const plan = planBuild({
      elements: o.request.elements,
      elementsPath: o.elementsPath,
      skipBase: o.request.skipBase,
      arch: o.request.arch,
      env: o.env,
      logger,
    });
    emit({
      type: "build.started",
      t: started,
      buildId,
      elements: plan.elements.map((e) => e.name),
      phases: [...PHASES],
    });
    await o.host.preflight({
      tools: requiredTools(o.request),
      loopDevices: 1,
      space: [
        { dir: o.tmpDir, bytes: 4 * 2 ** 30 },
        { dir: o.imageCache, bytes: 1 * 2 ** 30 },
      ],
    });
    // Upstream host hooks written in Python need an interpreter with PyYAML (and DIB's package).
    checkPythonHooks(pythonHookCheck(plan, o.env, o.elementsPath));
    fs.mkdirSync(o.imageCache, { recursive: true });
    dirs = await o.host.createBuildDir({
      tmpDir: o.tmpDir,
      tmpfs: !o.request.noTmpfs,
      minTmpfsGb: o.request.minTmpfsGb,
    });
    const bd: BuildPaths = {
      ...dirs,
      hooksPath: path.join(dirs.buildDir, "hooks"),
      mountPath: path.join(dirs.buildDir, "mnt"),
    };
    step("setup", `Building in ${bd.buildDir}`);
    await runBuildSequence(o, plan, bd, { emit, step, report, progress, hooks, artifacts, logger });
    failed = false;
    result = "succeeded";
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
    result = statusFor(error, o.signal);
  } finally {
    if (dirs) {
      step("teardown", failed && o.request.keepOnFailure ? `keeping ${dirs.buildDir}` : undefined);
      const t = await o.host.teardown({ ...dirs, keep: failed && o.request.keepOnFailure });
      if (t.unmounted.length || t.detached.length) {
        logger.debug("teardown", { unmounted: t.unmounted, detached: t.detached });
      }
    }
  }
  const durationMs = Date.now() - started;
  emit({
    type: "build.finished",
    t: Date.now(),
    status: result,
    durationMs,
    error: error ? describeError(error) : undefined,
  });
  return { status: result, error, artifacts, hooks, timings: progress.timings(), durationMs };
}

function requiredTools(req: TBuildRequest): string[] {
  const tools = [
    "chroot",
    "mount",
    "umount",
    "losetup",
    "partx",
    "sfdisk",
    "mkfs.ext4",
    "cp",
    "du",
  ];
  if (req.types.some((t) => t === "qcow2" || t === "vhd")) tools.push("qemu-img");
  if (req.types.includes("squashfs")) tools.push("mksquashfs");
  if (req.types.includes("tar") || req.types.includes("tgz")) tools.push("tar");
  return tools;
}

/** The one mapping from failure to build status (conventions rule 10). */
export function statusFor(err: Error, signal?: AbortSignal): BuildResult["status"] {
  if (signal?.aborted || (err instanceof KilnError && err.code === "CANCELLED")) return "cancelled";
  if (err instanceof KilnError) {
    switch (err.code) {
      case "HOOK_FAILED":
        return "failed";
      case "HOST":
        return "errored";
      default:
        return "failed";
    }
  }
  return "errored";
}

function describeError(
  err: Error,
): NonNullable<Extract<TBuildEvent, { type: "build.finished" }>["error"]> {
  if (err instanceof HookFailedError) {
    return {
      code: err.code,
      message: err.message,
      phase: err.phase as TPhase,
      element: err.element,
      script: err.script,
      exitCode: err.exitCode,
    };
  }
  return { code: err instanceof KilnError ? err.code : "INTERNAL", message: err.message };
}
