// Shared by the agents bench's processes: the IPC messages between the
// orchestrator (agents.bench.ts) and its children, the log line format that
// carries each line's send time, and /proc readings for memory and CPU.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");

/** Server child → orchestrator once it listens. */
export interface TServerReady {
  type: "ready";
  url: string;
  /** Admin API token (`Authorization: Bearer kiln_…`) for tRPC. */
  apiToken: string;
  teamId: string;
  /** One-time agent registration tokens, one per agent. */
  registrationTokens: string[];
  provider: string;
}

/** Server child → orchestrator, answer to `{type:"stats"}`. */
export interface TServerStats {
  type: "stats";
  connected: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Longest event-loop stall seen since the last stats call (ms). */
  maxLoopDelayMs: number;
  /** p99 event-loop delay since the last stats call (ms). */
  p99LoopDelayMs: number;
  warnings: number;
}

/** Simulated-agents child → orchestrator. */
export type TWorkerReport =
  | { type: "connected"; agents: number }
  | { type: "streaming"; agents: number }
  | { type: "result"; result: TWorkerResult }
  | { type: "failed"; error: string };

export interface TWorkerResult {
  agents: number;
  /** Lines written in the window (simulated stdout). */
  linesWritten: number;
  /** The same, per agent index (to count what the sampled subscribers never got). */
  linesWrittenByAgent: Record<number, number>;
  /** Lines of chunks sent in the window that the server acknowledged as stored (LOG_ACK). */
  linesAcked: number;
  chunksSent: number;
  /** LOG_CHUNK send → LOG_ACK receipt, ms, of chunks sent in the window. */
  ackMs: number[];
  /** Line written → its chunk sent (the agent's own batching delay), ms. */
  batchMs: number[];
  /** ERROR frames from the server, by code. */
  errors: Record<string, number>;
  firstError?: string;
  /** Largest unsent bytes buffered on one socket (ws.bufferedAmount). */
  maxBufferedBytes: number;
  /** Chunks still unacknowledged at the end. */
  unacked: number;
}

/** Orchestrator → simulated-agents child. */
export type TWorkerCommand =
  | {
      type: "start";
      url: string;
      tokens: string[];
      /** Index of this child's first agent (names and line tags are global). */
      firstIndex: number;
      linesPerSecond: number;
      flushMs: number;
    }
  | { type: "window"; start: number; end: number }
  | { type: "report" };

/**
 * One log line: `<ms since epoch> a<agent> <line no> <text>`, ~100 bytes,
 * like a package manager's output. The orchestrator's subscribers parse the
 * first three fields.
 */
export function formatLine(sentAt: number, agent: number, lineNo: number): string {
  const head = `${sentAt} a${agent} ${lineNo} `;
  return head + FILLER.slice(0, Math.max(0, 99 - head.length)) + "\n";
}
const FILLER =
  "Setting up libexample-common (2.36.1-8+deb12u1) ... Unpacking libexample-dev:amd64 (2.36.1-8) over (2.36.0) ...";

export function parseLine(line: string): { sentAt: number; agent: number; lineNo: number } | null {
  const m = /^(\d{13}) a(\d+) (\d+) /.exec(line);
  return m ? { sentAt: Number(m[1]), agent: Number(m[2]), lineNo: Number(m[3]) } : null;
}

/** Nearest-rank percentile of an unsorted list (sorts a copy); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** Resident memory now and its peak (VmHWM), bytes; null once the process is gone. */
export function readRss(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return { rss: kb("VmRSS") * 1024, peak: kb("VmHWM") * 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function readCpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Runs a TypeScript file of this directory in its own Node process, with IPC. */
export function spawnChild(
  file: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): ChildProcess {
  const script = path.join(import.meta.dirname, file);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  return child;
}

/** The next IPC message of `type` from a child (rejects if it exits first). */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: T["type"],
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no '${type}' within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (m: { type: string; error?: string }) => {
      if (m.type === type) {
        done();
        resolve(m as unknown as T);
      } else if (m.type === "failed") {
        done();
        reject(new Error(`${what}: ${m.error}`));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`${what} exited (${code}) before '${type}'`));
    };
    const done = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
