// The agents bench's summary: its JSON shape, the targets, and the table.
import { percentile } from "./bench-support.ts";

export const TARGET_P95_MS = 250;
export const TARGET_SERVER_RSS = 500 * 1024 * 1024;
export const TARGET_AGENT_RSS = 150 * 1024 * 1024;

export interface TLatency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface TAgentsSummary {
  provider: string;
  sqliteSynchronous: string;
  agents: number;
  linesPerSecondPerAgent: number;
  windowSeconds: number;
  offeredLinesPerSecond: number;
  writtenLinesPerSecond: number;
  /** Lines of chunks sent in the window that the server stored and acknowledged, per second. */
  ingestedLinesPerSecond: number;
  chunksPerSecond: number;
  /** Line written on a simulated agent → received by a subscriber (undelivered lines = ∞). */
  latencyMs: TLatency;
  undeliveredLines: number;
  realAgentLatencyMs: TLatency;
  /** Line written → its LOG_CHUNK sent (the agent's own ~150 ms batching). */
  agentBatchingMs: TLatency;
  /** LOG_CHUNK sent → LOG_ACK received (server ingest, as the agent sees it). */
  chunkAckMs: TLatency;
  sampledBuilds: number;
  sampledLines: number;
  sampledGaps: number;
  subscriptionErrors: string[];
  serverErrorsToAgents: Record<string, number>;
  firstServerError?: string;
  serverWarnings: number;
  unackedChunksAtEnd: number;
  maxSocketBufferedBytes: number;
  serverRssPeakBytes: number;
  serverHeapUsedBytes: number;
  serverMaxLoopDelayMs: number;
  realAgentRssPeakBytes: number;
  realAgentHeapUsedBytes: number;
  simulatedAgentProcessRssMaxBytes: number;
  cpuCores: { server: number; realAgent: number; simulatedAgents: number };
  loadAverageAtEnd: number;
  rampSeconds: number;
}

export function latencyOf(v: number[]): TLatency {
  return {
    n: v.length,
    p50: percentile(v, 50),
    p95: percentile(v, 95),
    p99: percentile(v, 99),
    max: v.length ? v.reduce((a, b) => Math.max(a, b), -Infinity) : NaN,
  };
}

/** Targets the run missed, as one line each. */
export function missedTargets(s: TAgentsSummary): string[] {
  const misses: string[] = [];
  if (!(s.latencyMs.p95 < TARGET_P95_MS))
    misses.push(`p95 latency ${ms(s.latencyMs.p95)} ≥ ${TARGET_P95_MS} ms`);
  if (s.serverRssPeakBytes >= TARGET_SERVER_RSS)
    misses.push(`server RSS ${mb(s.serverRssPeakBytes)} ≥ 500 MB`);
  if (s.realAgentRssPeakBytes >= TARGET_AGENT_RSS)
    misses.push(`agent RSS ${mb(s.realAgentRssPeakBytes)} ≥ 150 MB`);
  if (s.sampledLines === 0) misses.push("the subscribers received no line of the window");
  return misses;
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? "?" : `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function ms(v: number): string {
  return Number.isFinite(v) ? `${v} ms` : "never (undelivered)";
}

/** JSON has no Infinity: undelivered percentiles become null. */
export function toJson(s: TAgentsSummary, misses: string[]): string {
  return JSON.stringify(
    { ...s, targetsMissed: misses },
    (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  );
}

export function printReport(s: TAgentsSummary, misses: string[], say: (s: string) => void): void {
  const lat = (l: TLatency) =>
    `p50 ${ms(l.p50)} / p95 ${ms(l.p95)} / p99 ${ms(l.p99)} / max ${ms(l.max)} (n=${l.n})`;
  const ok = (good: boolean) => (good ? "ok" : "MISSED");
  const rows: [string, string][] = [
    [
      "database",
      `${s.provider}${s.provider === "sqlite" ? `, synchronous=${s.sqliteSynchronous}` : ""}`,
    ],
    [
      "lines/s offered",
      `${s.offeredLinesPerSecond} (${s.agents} agents × ${s.linesPerSecondPerAgent})`,
    ],
    [
      "lines/s ingested (stored + acked)",
      `${s.ingestedLinesPerSecond.toFixed(0)} (${s.chunksPerSecond.toFixed(0)} LOG_CHUNK/s)`,
    ],
    [
      `agent → browser, ${s.sampledBuilds} builds`,
      `${lat(s.latencyMs)}  target p95 < ${TARGET_P95_MS} ms: ${ok(s.latencyMs.p95 < TARGET_P95_MS)}`,
    ],
    ["  undelivered at the end", String(s.undeliveredLines)],
    ["  of which agent batching", lat(s.agentBatchingMs)],
    ["  the real agent's lines", lat(s.realAgentLatencyMs)],
    ["LOG_CHUNK → LOG_ACK", lat(s.chunkAckMs)],
    [
      "server RSS peak",
      `${mb(s.serverRssPeakBytes)} (heap ${mb(s.serverHeapUsedBytes)})  ` +
        `target < 500 MB: ${ok(s.serverRssPeakBytes < TARGET_SERVER_RSS)}`,
    ],
    [
      "real agent RSS peak",
      `${mb(s.realAgentRssPeakBytes)} (heap ${mb(s.realAgentHeapUsedBytes)})  ` +
        `target < 150 MB: ${ok(s.realAgentRssPeakBytes < TARGET_AGENT_RSS)}`,
    ],
    [
      "CPU (cores, window average)",
      `server ${s.cpuCores.server.toFixed(2)}, real agent ${s.cpuCores.realAgent.toFixed(2)}, ` +
        `simulated agents ${s.cpuCores.simulatedAgents.toFixed(2)}; ` +
        `machine load ${s.loadAverageAtEnd.toFixed(1)}`,
    ],
    ["server event-loop max stall", `${s.serverMaxLoopDelayMs.toFixed(0)} ms`],
    [
      "errors",
      `to agents ${JSON.stringify(s.serverErrorsToAgents)}, server warnings ${s.serverWarnings}, ` +
        `subscriptions ${s.subscriptionErrors.length}, sampled gaps ${s.sampledGaps}, ` +
        `unacked at end ${s.unackedChunksAtEnd}`,
    ],
  ];
  say("");
  for (const [k, v] of rows) say(`  ${k.padEnd(36)} ${v}`);
  if (s.firstServerError) say(`  first server error: ${s.firstServerError}`);
  say(misses.length ? `\nMISSED: ${misses.join("; ")}` : "\nall targets met");
}
