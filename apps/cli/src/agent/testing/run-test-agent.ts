/**
 * `runAgent` in the test process on test timings (quick reconnects and log
 * flushes, no operational log), with a handle to stop it. Not a test file
 * itself.
 */
import { silentLogger } from "@kiln/contracts/logger";
import type { AgentWorker } from "../agent-worker.ts";
import { runAgent, type RunAgentOptions } from "../run-agent.ts";

/** What a test must say; the rest defaults to one unlabelled slot on test timings. */
export type TTestAgentOptions = Pick<RunAgentOptions, "server" | "workDir" | "executor"> &
  Partial<RunAgentOptions>;

export interface TTestAgentRun {
  /** runAgent's promise; rejects when the agent stops for good (e.g. a refused token). */
  done: Promise<void>;
  /** The worker, once registration is through. */
  worker(): AgentWorker | undefined;
  /** Stops the worker (cancelling its builds) and waits for runAgent to return. */
  stop(): Promise<void>;
}

export function runTestAgent(o: TTestAgentOptions): TTestAgentRun {
  let worker: AgentWorker | undefined;
  const done = runAgent({
    name: "test-agent",
    labels: {},
    capacity: 1,
    logger: silentLogger,
    backoff: { baseMs: 20, maxMs: 100 },
    flushMs: 20,
    ...o,
    onWorker: (w) => {
      worker = w;
      o.onWorker?.(w);
    },
  });
  // Observed through `done` or `stop`; unobserved it must not fail the run.
  done.catch(() => undefined);
  return {
    done,
    worker: () => worker,
    stop: async () => {
      await worker?.stop();
      await done.catch(() => undefined);
    },
  };
}
