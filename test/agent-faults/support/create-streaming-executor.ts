/**
 * A fake executor for builds that must outlast something of unknown length
 * (an attack, a restart): it plays rounds of `noisyBuildScript` (log lines
 * with invalid UTF-8, phase and hook events, pauses) until `release()` is
 * called, then finishes the current round and succeeds. Abort ends it
 * cancelled, like the real executor.
 */
import type { BuildExecutor } from "../../../apps/cli/src/agent/build-executor.ts";
import { noisyBuildScript } from "./noisy-build-script.ts";

export interface StreamingExecutor extends BuildExecutor {
  /** Finish after the current round. */
  release(): void;
  /** Rounds played so far (all builds). */
  rounds(): number;
}

export function createStreamingExecutor(o: { seed: number; roundMs?: number }): StreamingExecutor {
  let released = false;
  let rounds = 0;
  return {
    release: () => void (released = true),
    rounds: () => rounds,
    preflight: () => [{ name: "streaming-executor", ok: true, detail: "test executor" }],
    async run(job) {
      const t0 = Date.now();
      const aborted = new Promise<void>((r) =>
        job.signal.addEventListener("abort", () => r(), { once: true }),
      );
      for (let round = 0; !released && !job.signal.aborted; round++) {
        const steps = noisyBuildScript({
          lines: 100,
          durationMs: o.roundMs ?? 1000,
          linesPerPause: 10,
          linesPerPhase: 50,
          seed: o.seed + round,
        });
        for (const step of steps) {
          if (job.signal.aborted) break;
          if ("event" in step) {
            if (round === 0 || step.event.type !== "build.started") job.emit(step.event);
          } else if ("log" in step) job.writeLog(step.log);
          else if ("sleepMs" in step) {
            await Promise.race([new Promise((r) => setTimeout(r, step.sleepMs)), aborted]);
          }
        }
        rounds++;
      }
      const status = job.signal.aborted ? "cancelled" : "succeeded";
      job.emit({ type: "build.finished", t: Date.now(), status, durationMs: Date.now() - t0 });
      return { status };
    },
  };
}
