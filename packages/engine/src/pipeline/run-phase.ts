import fs from "node:fs";
import path from "node:path";
import { BuildCancelledError, HookFailedError } from "../errors.ts";
import { listRunParts } from "../hooks/list-run-parts.ts";
import type { MergedHooks } from "../hooks/merge-hooks.ts";
import { CHROOT_PHASES, type TPhase } from "../plan/phases.ts";
import type { EventSink } from "./events.ts";
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
export async function runPhase(o: RunPhaseOptions): Promise<HookTiming[]> {
  const dir = path.join(o.hooksPath, o.phase);
  const chroot = CHROOT_PHASES.has(o.phase);
  const names = listPhaseHooks(dir, o.regex);
  const owner = ownerLookup(o.merged, o.phase);
  const envOwner = ownerLookup(o.merged, "environment.d");
  let current: { element: string; script: string } | undefined;
  const log = (line: string, stream: "stdout" | "stderr") =>
    o.emit({ type: "log", t: Date.now(), stream, line, phase: o.phase, ...current });

  const env = await computePhaseEnv({
    phase: o.phase,
    env: o.env,
    hooksPath: o.hooksPath,
    chrootRoot: chroot ? o.mountPath : undefined,
    owner: envOwner,
    runner: o.runner,
    onLine: log,
    signal: o.signal,
    cwd: chroot ? undefined : o.cwd,
  });

  const timings: HookTiming[] = [];
  for (const script of names) {
    if (o.signal?.aborted) throw new BuildCancelledError();
    const element = owner(script);
    current = { element, script };
    o.onHook?.(script);
    o.emit({ type: "hook.started", t: Date.now(), phase: o.phase, element, script });
    const [file, args] = chroot
      ? ["chroot", [o.mountPath, `${IN_TARGET}/${o.phase}/${script}`]]
      : [path.join(dir, script), []];
    const result = await o.runner.run(file, args as string[], {
      env,
      cwd: chroot ? undefined : o.cwd,
      signal: o.signal,
      killGraceMs: o.killGraceMs,
      onLine: log,
    });
    timings.push({ script, element, exitCode: result.exitCode, durationMs: result.durationMs });
    o.emit({
      type: "hook.finished",
      t: Date.now(),
      phase: o.phase,
      element,
      script,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
    });
    current = undefined;
    if (o.signal?.aborted) throw new BuildCancelledError();
    if (result.exitCode !== 0) {
      throw new HookFailedError(o.phase, element, script, result.exitCode, result.signal);
    }
  }
  o.onHook?.(undefined);
  for (const line of profilingTable(o.phase, timings)) {
    o.emit({ type: "log", t: Date.now(), stream: "kiln", line, phase: o.phase });
  }
  return timings;
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
