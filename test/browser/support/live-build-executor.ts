/**
 * A slow, chatty build for the live-build browser test: the fake executor
 * (apps/cli) plays a pipeline of phases and hooks that writes log lines at a
 * steady rate with progress events in between, so the build is still running
 * when the test looks at the page and when it cancels. A thin wrapper stamps
 * what a static script cannot know: the real build id, event times, and the
 * moment each line is written (for the agent → page latency).
 */
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { BuildExecutor, BuildOutcome } from "../../../apps/cli/src/agent/build-executor.ts";
import {
  createFakeExecutor,
  type FakeExecutor,
  type TFakeStep,
} from "../../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { SAMPLE_PHASES } from "./sample-phases.ts";

/** Replaced by `Date.now()` at the moment the agent's executor writes the line. */
export const WRITE_TIME = "@WRITE_TIME@";

/** What one live log line looks like; the page probe parses it with this. */
export const LIVE_LINE_RE = /live line (\d+) .*written-at=(\d+)/;

export interface TLiveScriptOptions {
  /** Log lines in the whole build. */
  lines: number;
  /** Lines written per second (one pause between consecutive lines). */
  linesPerSecond: number;
}

/**
 * The scripted build: build.started, then per phase and hook their boundary
 * events around an even share of the lines, a progress event every second of
 * output. Times and the build id are placeholders the wrapper fills in.
 */
export function liveBuildScript(o: TLiveScriptOptions): TFakeStep[] {
  const steps: TFakeStep[] = [];
  const ev = (e: Record<string, unknown>) =>
    steps.push({ event: { t: 0, ...e } as unknown as TBuildEvent });
  const hooks = SAMPLE_PHASES.flatMap((p, i) =>
    p.hooks.map((h) => ({ ...p, index: i + 1, hook: h })),
  );
  const perHook = Math.ceil(o.lines / hooks.length);
  const pauseMs = Math.round(1000 / o.linesPerSecond);
  let written = 0;
  ev({
    type: "build.started",
    buildId: "",
    elements: ["debian-minimal", "vm"],
    phases: SAMPLE_PHASES.map((p) => p.phase),
  });
  for (const [i, p] of SAMPLE_PHASES.entries()) {
    ev({
      type: "phase.started",
      phase: p.phase,
      index: i + 1,
      total: SAMPLE_PHASES.length,
      where: p.where,
      hooks: p.hooks.length,
    });
    for (const [element, script] of p.hooks) {
      ev({ type: "hook.started", phase: p.phase, element, script });
      for (let k = 0; k < perHook && written < o.lines; k++) {
        written++;
        steps.push({
          log: `${element}/${script}: live line ${String(written).padStart(6, "0")} of ${o.lines} · written-at=${WRITE_TIME}\n`,
        });
        steps.push({ sleepMs: pauseMs });
        if (written % o.linesPerSecond === 0) {
          ev({
            type: "progress",
            index: i + 1,
            total: SAMPLE_PHASES.length,
            phase: p.phase,
            hook: `${element}/${script}`,
            elapsedMs: 0,
            fraction: written / o.lines,
          });
        }
      }
      ev({ type: "hook.finished", phase: p.phase, element, script, exitCode: 0, durationMs: 0 });
    }
    ev({ type: "phase.finished", phase: p.phase, durationMs: 0, ok: true });
  }
  return steps;
}

export interface LiveExecutor extends BuildExecutor {
  /** The fake executor underneath (its `jobs` hold each job's abort signal). */
  fake: FakeExecutor;
  /** Builds whose executor returned: when, and with what outcome. */
  finished: Map<string, { at: number; outcome: BuildOutcome }>;
  /** Live lines written so far, per build. */
  linesWritten: Map<string, number>;
}

/**
 * Runs `script` through `createFakeExecutor`, stamping each event with the
 * current time (durations and elapsed from the stamps), `build.started` with
 * the real build id, and each log line's WRITE_TIME with the time it was
 * written.
 */
export function createLiveExecutor(script: TFakeStep[]): LiveExecutor {
  const fake = createFakeExecutor(script);
  const finished = new Map<string, { at: number; outcome: BuildOutcome }>();
  const linesWritten = new Map<string, number>();
  return {
    fake,
    finished,
    linesWritten,
    preflight: () => fake.preflight(),
    async run(job) {
      const t0 = Date.now();
      const started = new Map<string, number>();
      const outcome = await fake.run({
        ...job,
        emit: (e) => {
          const t = Date.now();
          const x = { ...e, t } as Record<string, unknown>;
          if (e.type === "build.started") x.buildId = job.buildId;
          if (e.type === "phase.started") started.set(e.phase, t);
          if (e.type === "hook.started") started.set(`${e.element}/${e.script}`, t);
          if (e.type === "phase.finished") x.durationMs = t - (started.get(e.phase) ?? t);
          if (e.type === "hook.finished")
            x.durationMs = t - (started.get(`${e.element}/${e.script}`) ?? t);
          if (e.type === "progress") x.elapsedMs = t - t0;
          job.emit(x as unknown as TBuildEvent);
        },
        writeLog: (data) => {
          if (typeof data === "string" && data.includes(WRITE_TIME)) {
            linesWritten.set(job.buildId, (linesWritten.get(job.buildId) ?? 0) + 1);
            job.writeLog(data.replaceAll(WRITE_TIME, String(Date.now())));
          } else job.writeLog(data);
        },
      });
      finished.set(job.buildId, { at: Date.now(), outcome });
      return outcome;
    },
  };
}
