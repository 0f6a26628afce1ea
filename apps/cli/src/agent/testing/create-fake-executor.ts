/**
 * A non-root executor for tests and dry runs: plays a scripted list of
 * steps (events, log writes, pauses) and honours abort like the real one
 * (remaining steps are skipped and the build ends cancelled).
 */
import fs from "node:fs";
import path from "node:path";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { BuildExecutor, BuildJob, BuildOutcome } from "../build-executor.ts";

export type TFakeStep =
  | { event: TBuildEvent }
  | { log: string | Uint8Array }
  | { sleepMs: number }
  /** Waits until the test calls `release(name)`. */
  /** Wait until `release(gate)`; with `ignoreAbort`, a cancel does not cut the wait short. */
  | { gate: string; ignoreAbort?: boolean }
  /** Writes `<workDir>/<fileName>` and emits its `artifact` event, like the engine's outputs phase. */
  | { artifact: { fileName: string; content: string | Uint8Array; kind?: string } }
  /** Writes the build record's packages.json; the outcome then names it. */
  | { packages: { name: string; version: string; arch?: string }[] };

export interface FakeExecutor extends BuildExecutor {
  /** Jobs seen, with whether their signal was aborted. */
  jobs: BuildJob[];
  /** Catalog directories each job got from `fetchCatalogs`, by build id. */
  catalogDirs: Map<string, string[]>;
  release(gate: string): void;
}

export function createFakeExecutor(
  script: TFakeStep[],
  final: BuildOutcome = { status: "succeeded" },
): FakeExecutor {
  const gates = new Map<string, () => void>();
  const released = new Set<string>();
  const jobs: BuildJob[] = [];
  const catalogDirs = new Map<string, string[]>();
  return {
    jobs,
    catalogDirs,
    release(gate) {
      released.add(gate);
      gates.get(gate)?.();
    },
    preflight: () => [{ name: "fake-executor", ok: true, detail: "test executor, no root needed" }],
    async run(job) {
      jobs.push(job);
      const t0 = Date.now();
      let packagesFile: string | undefined;
      try {
        catalogDirs.set(job.buildId, await job.fetchCatalogs());
      } catch (err) {
        const message = (err as Error).message;
        job.writeLog(`kiln: ${message}\n`);
        return { status: "errored", error: { code: "CATALOG_FETCH", message } };
      }
      const aborted = new Promise<void>((resolve) =>
        job.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      for (const step of script) {
        if (job.signal.aborted) break;
        if ("event" in step) job.emit(step.event);
        else if ("log" in step) job.writeLog(step.log);
        else if ("artifact" in step) {
          const file = path.join(job.workDir, step.artifact.fileName);
          fs.mkdirSync(job.workDir, { recursive: true });
          fs.writeFileSync(file, step.artifact.content);
          job.emit({
            type: "artifact",
            t: Date.now(),
            kind: step.artifact.kind ?? "raw",
            path: file,
            bytes: fs.statSync(file).size,
          });
        } else if ("packages" in step) {
          packagesFile = path.join(job.workDir, "image.d", "packages.json");
          fs.mkdirSync(path.dirname(packagesFile), { recursive: true });
          fs.writeFileSync(packagesFile, JSON.stringify(step.packages));
        } else {
          const wait =
            "sleepMs" in step
              ? new Promise<void>((r) => setTimeout(r, step.sleepMs))
              : released.has(step.gate)
                ? Promise.resolve()
                : new Promise<void>((r) => gates.set(step.gate, r));
          await ("ignoreAbort" in step && step.ignoreAbort ? wait : Promise.race([wait, aborted]));
        }
      }
      const status = job.signal.aborted ? "cancelled" : final.status;
      const outcome: BuildOutcome = job.signal.aborted
        ? { status }
        : { ...final, ...(packagesFile ? { packagesFile } : {}) };
      job.emit({ type: "build.finished", t: Date.now(), status, durationMs: Date.now() - t0 });
      return outcome;
    },
  };
}
