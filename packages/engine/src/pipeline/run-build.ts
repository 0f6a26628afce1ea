import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { HookFailedError } from "../errors.ts";
import { compileRunPartsRegex } from "../hooks/list-run-parts.ts";
import type { Logger } from "@kiln/contracts/logger";
import { silentLogger } from "@kiln/contracts/logger";
import type { TBuildRequest } from "@kiln/contracts/build-request";
import { planBuild, type BuildPlan } from "../plan/plan-build.ts";
import { PHASES, type TPhase } from "@kiln/contracts/phases";
import type { BuildPaths } from "./build-env.ts";
import type { BuildReporter } from "./build-context.ts";
import type { BuildDirs, BuildHost } from "./build-host.ts";
import { runBuildSequence } from "./build-sequence.ts";
import type { EventSink, TBuildEvent } from "@kiln/contracts/build-event";
import type { TArtifact } from "./outputs/plan-outputs.ts";
import { ProgressTracker, type PhaseTimings } from "./progress.ts";
import type { HookTiming } from "./run-phase.ts";
import { pythonHookCheck } from "./runtime-lib.ts";

export interface RunBuildOptions {
  request: TBuildRequest;
  /** Full elements path: the user's entries first, Kiln's built-ins last. */
  elementsPath: string[];
  /** The caller's environment (DIB_* and the rest), passed through to hooks. */
  env: Record<string, string | undefined>;
  /**
   * Names in `env` whose values are secrets: hooks get them like any other
   * variable, but they are left out of DIB_ENV (which the manifests element
   * writes into the image) and redacted in the build record.
   */
  secretNames?: readonly string[];
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
 * Build an image: DIB's disk-image-create sequence, with every mount, loop
 * device and temp dir torn down in all outcomes.
 */
export async function runBuild(options: RunBuildOptions): Promise<BuildResult> {
  const startedAt = Date.now();
  const reporter = createBuildReporter(options);
  let dirs: BuildDirs | undefined;
  let status: BuildResult["status"] = "errored";
  let error: KilnError | Error | undefined;
  try {
    const runPartsRegex = checkRunPartsRegex(options.env);
    const plan = planBuild({
      elements: options.request.elements,
      elementsPath: options.elementsPath,
      skipBase: options.request.skipBase,
      arch: options.request.arch,
      env: options.env,
      logger: reporter.logger,
    });
    reporter.emit({
      type: "build.started",
      t: startedAt,
      buildId: options.buildId ?? crypto.randomUUID(),
      elements: plan.elements.map((element) => element.name),
      phases: [...PHASES],
    });
    dirs = await prepareHost(options, plan);
    const paths: BuildPaths = {
      ...dirs,
      hooksPath: path.join(dirs.buildDir, "hooks"),
      mountPath: path.join(dirs.buildDir, "mnt"),
    };
    reporter.step("setup", `Building in ${paths.buildDir}`);
    const { host } = options;
    await runBuildSequence({ ...reporter, options, plan, paths, host, runPartsRegex });
    status = "succeeded";
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
    status = statusFor(error, options.signal);
  } finally {
    if (dirs) await tearDown(options, reporter, dirs, status !== "succeeded");
  }
  const durationMs = Date.now() - startedAt;
  reporter.emit({
    type: "build.finished",
    t: Date.now(),
    status,
    durationMs,
    error: error ? describeError(error) : undefined,
  });
  const { artifacts, hooks, progress } = reporter;
  return { status, error, artifacts, hooks, timings: progress.timings(), durationMs };
}

/**
 * RUN_PARTS_REGEX, checked before anything touches the host: a bad one would
 * otherwise select no hook in any phase.
 */
function checkRunPartsRegex(env: Record<string, string | undefined>): string | undefined {
  const regex = env.RUN_PARTS_REGEX || undefined;
  if (regex !== undefined) compileRunPartsRegex(regex);
  return regex;
}

function createBuildReporter(options: RunBuildOptions): BuildReporter {
  const progress = new ProgressTracker(STAGES, options.history);
  const emit = (event: TBuildEvent) => options.emit(event);
  return {
    emit,
    step: (name, detail) => emit({ type: "step", t: Date.now(), name, detail }),
    report: (stage, hook) =>
      emit({ type: "progress", t: Date.now(), phase: stage, hook, ...progress.snapshot() }),
    progress,
    hooks: [],
    artifacts: [],
    logger: options.logger ?? silentLogger,
  };
}

/** Pre-flight (tools, loop devices, space, Python for host hooks), the cache and the build dirs. */
async function prepareHost(options: RunBuildOptions, plan: BuildPlan): Promise<BuildDirs> {
  await options.host.preflight({
    tools: requiredTools(options.request),
    loopDevices: 1,
    space: [
      { dir: options.tmpDir, bytes: 4 * 2 ** 30 },
      { dir: options.imageCache, bytes: 1 * 2 ** 30 },
    ],
    pythonHooks: pythonHookCheck(plan, options.env, options.elementsPath),
  });
  fs.mkdirSync(options.imageCache, { recursive: true });
  return options.host.createBuildDir({
    tmpDir: options.tmpDir,
    tmpfs: !options.request.noTmpfs,
    minTmpfsGb: options.request.minTmpfsGb,
  });
}

/** Release the build's host state; keeps the dirs of a failed build with --keep-on-failure. */
async function tearDown(
  options: RunBuildOptions,
  reporter: BuildReporter,
  dirs: BuildDirs,
  failed: boolean,
): Promise<void> {
  const keep = failed && options.request.keepOnFailure;
  reporter.step("teardown", keep ? `keeping ${dirs.buildDir}` : undefined);
  const report = await options.host.teardown({ ...dirs, keep });
  if (report.unmounted.length || report.detached.length) {
    const { unmounted, detached } = report;
    reporter.logger.debug("teardown", { unmounted, detached });
  }
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

/** The one mapping from failure to build status: a hook's failure is the user's, the host's is ours. */
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
