import fs from "node:fs";
import path from "node:path";
import { BuildCancelledError, HookFailedError } from "../errors.ts";
import { listRunParts } from "../hooks/list-run-parts.ts";
import type { MergedHooks } from "../hooks/merge-hooks.ts";
import { CHROOT_PHASES, type TPhase } from "@kiln/contracts/phases";
import type { EventSink } from "@kiln/contracts/build-event";
import type { CommandRunner } from "./host/types.ts";
import { computePhaseEnv } from "./phase-env.ts";

/** Inside the chroot, hooks are bind-mounted here (read-only). */
export const IN_TARGET = "/tmp/in_target.d";

export interface RunPhaseOptions {
  phase: TPhase;
  /** The environment before environment.d (from `phaseEnv`). */
  env: Record<string, string>;
  hooksPath: string;
  /** The image root, for chroot phases. */
  mountPath: string;
  /** Where each hook comes from (names not in it are attributed via their directory). */
  merged: MergedHooks;
  runner: CommandRunner;
  emit: EventSink;
  /** Called with the hook being run, for progress. */
  onHook?: (script: string | undefined) => void;
  signal?: AbortSignal;
  /** Working directory of host hooks (DIB: where the build was started). */
  cwd?: string;
  /** dib-run-parts' name filter. */
  regex?: string;
  /** Grace between SIGTERM and SIGKILL when cancelled. */
  killGraceMs?: number;
}

export interface HookTiming {
  script: string;
  element: string;
  exitCode: number;
  durationMs: number;
}

/**
 * Run one phase's hooks the way dib-run-parts does: environment.d sourced
 * first, then every runnable hook in `sort -n` order, stopping at the first
 * failure. Each hook is its own process (group), so its output lines, exit
 * code and duration are known exactly. Chroot phases expect the caller to
 * have bind-mounted the hooks tree at `IN_TARGET`.
 */
export async function runPhase(options: RunPhaseOptions): Promise<HookTiming[]> {
  const { phase, emit, signal } = options;
  const chroot = CHROOT_PHASES.has(phase);
  const names = listPhaseHooks(path.join(options.hooksPath, phase), options.regex);
  const owner = ownerLookup(options.merged, phase);
  let current: { element: string; script: string } | undefined;
  const log = (line: string, stream: "stdout" | "stderr") =>
    emit({ type: "log", t: Date.now(), stream, line, phase, ...current });

  const env = await computePhaseEnv({
    phase,
    env: options.env,
    hooksPath: options.hooksPath,
    chrootRoot: chroot ? options.mountPath : undefined,
    owner: ownerLookup(options.merged, "environment.d"),
    runner: options.runner,
    onLine: log,
    signal,
    cwd: chroot ? undefined : options.cwd,
  });

  const timings: HookTiming[] = [];
  for (const script of names) {
    if (signal?.aborted) throw new BuildCancelledError();
    current = { element: owner(script), script };
    const { killedBy, ...timing } = await runHook(options, env, current, log);
    timings.push(timing);
    current = undefined;
    if (signal?.aborted) throw new BuildCancelledError();
    if (timing.exitCode !== 0) {
      throw new HookFailedError(phase, timing.element, script, timing.exitCode, killedBy);
    }
  }
  options.onHook?.(undefined);
  for (const line of profilingTable(phase, timings)) {
    emit({ type: "log", t: Date.now(), stream: "kiln", line, phase });
  }
  return timings;
}

/** One hook as its own process, between its hook.started and hook.finished events. */
async function runHook(
  options: RunPhaseOptions,
  env: Record<string, string>,
  hook: { element: string; script: string },
  onLine: (line: string, stream: "stdout" | "stderr") => void,
): Promise<HookTiming & { killedBy?: string }> {
  const { phase, emit } = options;
  const { element, script } = hook;
  options.onHook?.(script);
  emit({ type: "hook.started", t: Date.now(), phase, element, script });
  const chroot = CHROOT_PHASES.has(phase);
  const [file, args] = chroot
    ? ["chroot", [options.mountPath, `${IN_TARGET}/${phase}/${script}`]]
    : [path.join(options.hooksPath, phase, script), []];
  const result = await options.runner.run(file, args, {
    env,
    cwd: chroot ? undefined : options.cwd,
    signal: options.signal,
    killGraceMs: options.killGraceMs,
    onLine,
  });
  const { exitCode, durationMs } = result;
  emit({ type: "hook.finished", t: Date.now(), phase, element, script, exitCode, durationMs });
  return { script, element, exitCode, durationMs, killedBy: result.signal };
}

/**
 * The phase's hooks in run order; none when no element ships the phase.
 * Only a missing directory means "nothing to run": any other failure (a bad
 * RUN_PARTS_REGEX, an unreadable directory) stops the build.
 */
function listPhaseHooks(dir: string, regex: string | undefined): string[] {
  try {
    fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return listRunParts(dir, { regex });
}

/** The element that ships a file of a merged directory; install-type links map via their dir. */
function ownerLookup(merged: MergedHooks, dir: string): (name: string) => string {
  const entries = merged.get(dir);
  return (name) => {
    const direct = entries?.get(name);
    if (direct) return direct.element;
    for (const entry of entries?.values() ?? []) {
      if (entry.isDir && entry.source && name) {
        // install-types: hooks linked from `<prefix>-<type>-install/`
        try {
          if (listRunParts(entry.source, { regex: ".*" }).includes(name)) return entry.element;
        } catch {
          /* not a hook directory */
        }
      }
    }
    return "?";
  };
}

/** dib-run-parts' PROFILING block, rows in execution order. */
export function profilingTable(phase: string, timings: HookTiming[]): string[] {
  const row = (a: string, b: string) => `${a.padEnd(40)} ${b.padStart(9)}`;
  return [
    "----------------------- PROFILING -----------------------",
    "",
    `Target: ${phase}`,
    "",
    row("Script", "Seconds"),
    row("---------------------------------------", "----------"),
    "",
    ...timings.map(
      (t) => `${t.script.padEnd(40)} ${(t.durationMs / 1000).toFixed(3).padStart(10)}`,
    ),
    "",
    "--------------------- END PROFILING ---------------------",
  ];
}
