// The agents bench's totals over its simulated-agent processes' results.
import type { TWorkerResult } from "./bench-support.ts";

export function aggregateWorkerResults(rs: TWorkerResult[]) {
  const sum = (f: (r: TWorkerResult) => number) => rs.reduce((s, r) => s + f(r), 0);
  const errors: Record<string, number> = {};
  const byAgent: Record<number, number> = {};
  for (const r of rs) {
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    Object.assign(byAgent, r.linesWrittenByAgent);
  }
  return {
    linesWritten: sum((r) => r.linesWritten),
    linesAcked: sum((r) => r.linesAcked),
    chunksSent: sum((r) => r.chunksSent),
    unacked: sum((r) => r.unacked),
    maxBufferedBytes: Math.max(...rs.map((r) => r.maxBufferedBytes)),
    ackMs: rs.flatMap((r) => r.ackMs),
    batchMs: rs.flatMap((r) => r.batchMs),
    byAgent,
    errors,
    firstError: rs.find((r) => r.firstError)?.firstError,
  };
}
