/**
 * A non-root executor for tests and dry runs: plays a scripted list of
 * steps (events, log writes, pauses) and honours abort like the real one
 * (remaining steps are skipped and the build ends cancelled).
 */
import type { TBuildEvent } from "@kiln/engine/pipeline/events";
import type { BuildExecutor, BuildJob, BuildOutcome } from "./build-executor.ts";

export type TFakeStep =
  | { event: TBuildEvent }
  | { log: string | Uint8Array }
  | { sleepMs: number }
  /** Waits until the test calls `release(name)`. */
  | { gate: string };

export interface FakeExecutor extends BuildExecutor {
  /** Jobs seen, with whether their signal was aborted. */
  jobs: BuildJob[];
  release(gate: string): void;
}

export function createFakeExecutor(
  script: TFakeStep[],
  final: BuildOutcome = { status: "succeeded" },
): FakeExecutor {
  const gates = new Map<string, () => void>();
  const released = new Set<string>();
  const jobs: BuildJob[] = [];
  return {
    jobs,
    release(gate) {
      released.add(gate);
      gates.get(gate)?.();
    },
    preflight: () => [{ name: "fake-executor", ok: true, detail: "test executor, no root needed" }],
    async run(job) {
      jobs.push(job);
      const t0 = Date.now();
      const aborted = new Promise<void>((resolve) =>
        job.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      for (const step of script) {
        if (job.signal.aborted) break;
        if ("event" in step) job.emit(step.event);
        else if ("log" in step) job.writeLog(step.log);
        else {
          const wait =
            "sleepMs" in step
              ? new Promise<void>((r) => setTimeout(r, step.sleepMs))
              : released.has(step.gate)
                ? Promise.resolve()
                : new Promise<void>((r) => gates.set(step.gate, r));
          await Promise.race([wait, aborted]);
        }
      }
      const status = job.signal.aborted ? "cancelled" : final.status;
      const outcome: BuildOutcome = job.signal.aborted ? { status } : final;
      job.emit({ type: "build.finished", t: Date.now(), status, durationMs: Date.now() - t0 });
      return outcome;
    },
  };
}
