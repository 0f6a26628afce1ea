/**
 * `runAgent` in the test process with an executor wrapper that keeps what
 * the agent had locally: the bytes the executor wrote, and the build's spool
 * (log.bin and events) as it stood when the job ended, read before the
 * server's BUILD_FINISHED_ACK makes the agent delete it. That spool is the
 * "agent's local log" the stored log must equal byte for byte.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { AgentWorker } from "../../../apps/cli/src/agent/agent-worker.ts";
import type { BuildExecutor } from "../../../apps/cli/src/agent/build-executor.ts";
import type { BackoffOptions } from "../../../apps/cli/src/agent/compute-backoff.ts";
import { agentArch, runAgent } from "../../../apps/cli/src/agent/run-agent.ts";
import { removeDirSafely } from "./host-state.ts";

/** The arch this host's agents register with (builds must ask for it to be dispatched here). */
export const ARCH = agentArch();

export interface LocalBuild {
  /** Everything the executor passed to writeLog, in order. */
  written: Buffer[];
  /** The spool's log.bin when the job ended. */
  spoolLog?: Buffer;
  /** The spool's events when the job ended, in seq order. */
  spoolEvents?: { seq: number; event: TBuildEvent }[];
  /** Why spoolLog/spoolEvents could not be captured. */
  lost?: string;
  /** Resolves once spoolLog/spoolEvents are captured. */
  ended: Promise<void>;
}

export interface TestAgent {
  workDir: string;
  worker(): AgentWorker | undefined;
  builds: Map<string, LocalBuild>;
  /** The build's local record once the job ended locally. */
  ended(buildId: string, timeoutMs: number): Promise<LocalBuild>;
  /** Bytes spooled so far for a running build (0 when unknown). */
  spooledBytes(buildId: string): number;
  /** Operational log messages of the agent. */
  messages: { level: string; msg: string; fields?: Record<string, unknown> }[];
  /** Rejects when the agent stopped for good (e.g. a refused secret). */
  done: Promise<void>;
  /** Stops the agent (cancelling running builds) and removes a work dir it made itself. */
  stop(): Promise<void>;
}

export interface TestAgentOptions {
  server: string;
  token: string;
  name: string;
  executor: BuildExecutor;
  labels?: Record<string, string>;
  workDir?: string;
  backoff?: BackoffOptions;
  flushMs?: number;
  skipCleanup?: boolean;
}

export function startTestAgent(o: TestAgentOptions): TestAgent {
  const workDir = o.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kiln-fault-agent-"));
  const builds = new Map<string, LocalBuild>();
  const messages: TestAgent["messages"] = [];
  const record =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      messages.push({ level, msg, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
  let worker: AgentWorker | undefined;
  const executor: BuildExecutor = {
    preflight: () => o.executor.preflight(),
    run(job) {
      let markEnded!: () => void;
      const local: LocalBuild = {
        written: [],
        ended: new Promise<void>((r) => (markEnded = r)),
      };
      builds.set(job.buildId, local);
      // The job runner is registered right after it calls us; its `done` settles after the
      // final flush, a macrotask before any ack could make it delete the spool.
      setImmediate(() => {
        const runner = worker?.jobs.get(job.buildId);
        if (!runner) return;
        void runner.done.then(() => {
          try {
            local.spoolLog = fs.readFileSync(runner.spool.logFile);
            local.spoolEvents = runner.spool.eventsAfter(null);
          } catch (err) {
            // The server abandoned the build (WELCOME.abandon): the agent already dropped its spool.
            local.lost = `the agent dropped the spool before the job ended: ${(err as Error).message}`;
          }
          markEnded();
        });
      });
      return o.executor.run({
        ...job,
        writeLog: (data) => {
          local.written.push(
            typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data),
          );
          job.writeLog(data);
        },
      });
    },
  };
  const done = runAgent({
    server: o.server,
    token: o.token,
    workDir,
    name: o.name,
    labels: o.labels ?? {},
    capacity: 1,
    executor,
    logger,
    backoff: o.backoff ?? { baseMs: 100, maxMs: 1000 },
    ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
    skipCleanup: o.skipCleanup ?? true,
    onWorker: (w) => (worker = w),
  });
  done.catch(() => undefined);
  return {
    workDir,
    worker: () => worker,
    builds,
    messages,
    done,
    async ended(buildId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!builds.has(buildId)) {
        if (Date.now() > deadline) throw new Error(`the agent never ran build ${buildId}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const local = builds.get(buildId)!;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        local.ended,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`build ${buildId} did not end on the agent`)),
            Math.max(1, deadline - Date.now()),
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (local.lost) throw new Error(`build ${buildId}: ${local.lost}`);
      return local;
    },
    spooledBytes: (buildId) => worker?.jobs.get(buildId)?.spool.logBytes ?? 0,
    async stop() {
      await worker?.stop();
      await done.catch(() => undefined);
      if (!o.workDir) removeDirSafely(workDir);
    },
  };
}
