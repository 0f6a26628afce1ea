import fs from "node:fs";
import path from "node:path";
import { BuildCancelledError } from "../errors.ts";
import type { Logger } from "@kiln/contracts/logger";
import type { BuildPlan } from "../plan/plan-build.ts";
import { CHROOT_PHASES, PHASES, type TPhase } from "@kiln/contracts/phases";
import { phaseEnv, type BuildPaths } from "./build-env.ts";
import type { BuildHost } from "./build-host.ts";
import type { EventSink, TBuildEvent } from "@kiln/contracts/build-event";
import type { TArtifact } from "./outputs/plan-outputs.ts";
import type { ProgressTracker } from "./progress.ts";
import type { RunBuildOptions } from "./run-build.ts";
import { IN_TARGET, runPhase, type HookTiming } from "./run-phase.ts";

/** A stage of the progress bar: a phase or one of the steps between phases. */
export type TProgressStage = Extract<TBuildEvent, { type: "progress" }>["phase"];

/** How a build reports, and what it has collected so far. */
export interface BuildReporter {
  emit: EventSink;
  /** Emit a `step` event: a named stage outside the phases. */
  step(name: string, detail?: string): void;
  /** Emit a `progress` event for the current stage and hook. */
  report(stage: TProgressStage, hook?: string): void;
  progress: ProgressTracker;
  /** Every hook run so far, appended as each phase finishes. */
  hooks: (HookTiming & { phase: TPhase })[];
  /** Every output written, in the order written. */
  artifacts: TArtifact[];
  logger: Logger;
}

/** What every step of one build shares; `runBuild` makes it once the build dirs exist. */
export interface BuildContext extends BuildReporter {
  options: RunBuildOptions;
  plan: BuildPlan;
  paths: BuildPaths;
  host: BuildHost;
  /** dib-run-parts' name filter (RUN_PARTS_REGEX), validated before the build started. */
  runPartsRegex?: string;
}

/** Throw `BuildCancelledError` between steps once the build is cancelled. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BuildCancelledError();
}

/**
 * Run one phase with its events and progress. Chroot phases get the hooks
 * tree bind-mounted read-only at `IN_TARGET`, and whatever they leave
 * running in the chroot is killed afterwards, whether the phase failed or not.
 * `baseEnv` is read when the phase starts, so later steps may add to it.
 */
export async function runBuildPhase(
  context: BuildContext,
  baseEnv: Record<string, string>,
  phase: TPhase,
): Promise<void> {
  const { host, paths, options } = context;
  const where = CHROOT_PHASES.has(phase) ? "chroot" : "host";
  context.progress.enter(phase);
  context.emit({
    type: "phase.started",
    t: Date.now(),
    phase,
    index: PHASES.indexOf(phase) + 1,
    total: PHASES.length,
    where,
    hooks: context.plan.phases[phase].length,
  });
  context.report(phase);
  const startedAt = Date.now();
  let ok = false;
  const inTarget = path.join(paths.mountPath, IN_TARGET);
  try {
    if (where === "chroot") {
      fs.mkdirSync(inTarget);
      await host.bindReadOnly(paths.hooksPath, inTarget);
    }
    const timings = await runPhase({
      phase,
      env: phaseEnv(baseEnv, phase, context.plan.elements),
      hooksPath: paths.hooksPath,
      mountPath: paths.mountPath,
      merged: context.plan.merged,
      runner: host.runner,
      emit: context.emit,
      onHook: (hook) => context.report(phase, hook),
      signal: options.signal,
      cwd: options.cwd,
      regex: context.runPartsRegex,
    });
    context.hooks.push(...timings.map((timing) => ({ ...timing, phase })));
    ok = true;
  } finally {
    if (where === "chroot") {
      await host.killChrootProcesses(paths.mountPath);
      await host.unmount(inTarget);
      fs.rmdirSync(inTarget);
    }
    context.progress.finish(phase);
    const durationMs = Date.now() - startedAt;
    context.emit({ type: "phase.finished", t: Date.now(), phase, durationMs, ok });
  }
}
