// 200 simulated agents streaming 20 log lines a second each into one Kiln
// server; browsers' view measured through builds.onLog subscriptions (SSE,
// the dashboard's own tRPC link setup) on a sample of builds. Processes: the
// server (gateway + tRPC + dispatcher, its own process so its RSS is its
// own), simulated agents in a few worker processes, one real `runAgent`
// process (its RSS is the per-agent figure), and this orchestrator (the
// browsers). Builds are created through tRPC with an admin API token and
// dispatched by the server's own dispatcher.
// Latency = line written on the agent (its timestamp, before the agent's
// ~150 ms batching) → line received by the subscriber.
// Targets: p95 < 250 ms, server RSS < 500 MB, agent RSS < 150 MB (peaks).
// Run: npx tsx bench/agents/agents.bench.ts [--seconds 30] [--agents 200] [--rate 20]
//        [--subscribers 20] [--workers 2] [--warmup 5] [--pg postgresql://…] [--json]
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import superjson from "superjson";
import type { AppRouter } from "@kiln/server/routers/app-router";
import {
  nextMessage,
  readCpuSeconds,
  readRss,
  spawnChild,
  type TServerReady,
  type TServerStats,
  type TWorkerCommand,
  type TWorkerReport,
} from "./bench-support.ts";
import { aggregateWorkerResults } from "./aggregate-worker-results.ts";
import {
  latencyOf,
  mb,
  missedTargets,
  printReport,
  toJson,
  type TAgentsSummary,
} from "./print-agents-report.ts";
import { ChildTracker } from "./track-children.ts";
import { LogReceipts } from "./track-log-receipts.ts";

const FLUSH_MS = 150; // the real job runner's default
/** After the window, how long lines written in it may still take to arrive. */
const DRAIN_MS = 3000;

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    agents: { type: "string", default: "200" },
    rate: { type: "string", default: "20" },
    subscribers: { type: "string", default: "20" },
    workers: { type: "string", default: "2" },
    warmup: { type: "string", default: "5" },
    pg: { type: "string" },
    /** What-if: SQLite `PRAGMA synchronous` of the server's connection (full = Kiln's default). */
    "sqlite-synchronous": { type: "string", default: "full" },
    /** Writes a V8 CPU profile of the server process into this directory. */
    "cpu-prof": { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const num = (name: keyof typeof args, min: number): number => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min) {
    console.error(`agents bench: --${name} must be a number >= ${min}, got '${args[name]}'`);
    process.exit(2);
  }
  return v;
};
const SECONDS = num("seconds", 1);
const AGENTS = Math.floor(num("agents", 1));
const RATE = num("rate", 0.1);
const SUBSCRIBERS = Math.min(AGENTS, Math.floor(num("subscribers", 1)));
const WORKERS = Math.min(AGENTS, Math.floor(num("workers", 1)));
const WARMUP = num("warmup", 0);
const say = (s: string) => process.stderr.write(s + "\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const children = new ChildTracker(process.env.KILN_BENCH_VERBOSE ? say : undefined);

async function main(): Promise<number> {
  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  say(
    `agents bench: ${AGENTS} simulated agents × ${RATE} lines/s, ${SECONDS} s window, ` +
      `${SUBSCRIBERS} subscribers, ${WORKERS} agent processes, load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const server = children.track(
    spawnChild(
      "start-bench-server.ts",
      {
        KILN_BENCH_AGENT_TOKENS: String(AGENTS + 1),
        KILN_BENCH_SQLITE_SYNC: args["sqlite-synchronous"]!,
        ...(args.pg ? { KILN_BENCH_PG_URL: args.pg } : {}),
      },
      args["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", args["cpu-prof"]] : [],
    ),
    "server",
  );
  const ready = await nextMessage<TServerReady>(server, "ready", 180_000, "server");
  // Stats are asked for without waiting on them: a stalled server must not stretch the window.
  let lastStats: TServerStats | undefined;
  let maxLoopDelayMs = 0;
  server.on("message", (m: TServerStats) => {
    if (m.type !== "stats") return;
    lastStats = m;
    maxLoopDelayMs = Math.max(maxLoopDelayMs, m.maxLoopDelayMs);
  });
  const askStats = () => server.send({ type: "stats" });
  say(`server ${ready.url} (${ready.provider}) ready after ${since()}`);

  // The browser side: the dashboard's link setup (lib/trpc.ts), in Node with the eventsource package.
  const authorization = `Bearer ${ready.apiToken}`;
  const url = `${ready.url}/api/trpc`;
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
          },
        }),
        false: httpBatchLink({ url, transformer: superjson, headers: { authorization } }),
      }),
    ],
  });

  // Queued before the agents connect: once logs flow, an overloaded server would starve these
  // requests, and the dispatcher assigns each agent one build as it says HELLO.
  const ids: string[] = [];
  for (let i = 0; i <= AGENTS; i += 20) {
    const batch = Array.from({ length: Math.min(20, AGENTS + 1 - i) }, () =>
      retryOnReset(() =>
        client.builds.create.mutate({
          teamId: ready.teamId,
          request: { elements: ["debian-minimal", "vm"], arch: "amd64" },
        }),
      ),
    );
    ids.push(...(await Promise.all(batch)).map((b) => b.id));
    if (process.env.KILN_BENCH_VERBOSE) say(`  ${ids.length} builds after ${since()}`);
  }
  say(`${ids.length} builds queued through tRPC (admin API token) after ${since()}`);

  // Simulated agents, split over worker processes.
  const tAgents = Date.now();
  const workers: ChildProcess[] = [];
  const streaming = new Map<ChildProcess, number>();
  const per = Math.ceil(AGENTS / WORKERS);
  for (let w = 0; w < WORKERS; w++) {
    const child = children.track(spawnChild("simulate-agents.ts"), `agents-${w}`);
    child.on("message", (m: TWorkerReport) => {
      if (m.type === "streaming") streaming.set(child, m.agents);
    });
    const first = w * per;
    child.send({
      type: "start",
      url: ready.url,
      tokens: ready.registrationTokens.slice(first, Math.min(AGENTS, first + per)),
      firstIndex: first,
      linesPerSecond: RATE,
      flushMs: FLUSH_MS,
    } satisfies TWorkerCommand);
    workers.push(child);
  }
  await Promise.all(workers.map((c, i) => nextMessage(c, "connected", 300_000, `agents-${i}`)));

  // One real agent; its lines are tagged with index AGENTS.
  const real = children.track(
    spawnChild("run-real-agent.ts", {
      KILN_BENCH_URL: ready.url,
      KILN_BENCH_TOKEN: ready.registrationTokens[AGENTS]!,
      KILN_BENCH_AGENT_INDEX: String(AGENTS),
      KILN_BENCH_RATE: String(RATE),
      KILN_BENCH_LINES: String(Math.ceil((SECONDS + WARMUP + 300) * RATE)),
    }),
    "real-agent",
  );
  const realAssigned = nextMessage<{ type: "assigned"; buildId: string }>(
    real,
    "assigned",
    600_000,
    "real agent",
  );
  realAssigned.catch(() => undefined); // reported where it is used
  say(`${AGENTS} simulated agents connected after ${since()}`);

  const receipts = new LogReceipts(AGENTS);
  const subErrors: string[] = [];
  const subscribe = (buildId: string) =>
    client.builds.onLog.subscribe(
      { buildId, afterOffset: 0 },
      {
        onData: (piece) => receipts.piece(buildId, piece.data.text),
        onError: (err) => subErrors.push(`${buildId}: ${err.message}`),
      },
    );
  const sampled = new Set(
    Array.from({ length: SUBSCRIBERS }, (_, i) => ids[Math.floor((i * ids.length) / SUBSCRIBERS)]!),
  );
  const subs = [...sampled].map(subscribe);
  // Not awaited: an overloaded server may take long to get to it.
  realAssigned
    .then(({ buildId }) => sampled.has(buildId) || subs.push(subscribe(buildId)))
    .catch((err: unknown) => say(`  ${String(err)}`));

  for (let deadline = Date.now() + 600_000; ; await sleep(200)) {
    const n = [...streaming.values()].reduce((a, b) => a + b, 0);
    if (n >= AGENTS) break;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${AGENTS} agents got a build`);
  }
  const ramp = (Date.now() - tAgents) / 1000;
  say(`every agent streaming after ${since()} (${ramp.toFixed(1)} s after the agents started)`);
  await sleep(WARMUP * 1000);

  const start = Date.now() + 200;
  const end = start + SECONDS * 1000;
  for (const w of workers) w.send({ type: "window", start, end } satisfies TWorkerCommand);
  receipts.setWindow(start, end);
  await sleep(start - Date.now());
  askStats(); // resets the server's event-loop histogram
  maxLoopDelayMs = 0;
  const pids = { server: server.pid!, real: real.pid!, workers: workers.map((w) => w.pid!) };
  const cpuOf = () => ({
    at: Date.now(),
    server: readCpuSeconds(pids.server),
    real: readCpuSeconds(pids.real),
    workers: pids.workers.reduce((s, p) => s + readCpuSeconds(p), 0),
  });
  const cpu0 = cpuOf();
  const rss = { server: 0, real: 0, workers: 0 };
  const sample = () => {
    rss.server = Math.max(rss.server, readRss(pids.server)?.rss ?? 0);
    rss.real = Math.max(rss.real, readRss(pids.real)?.rss ?? 0);
    rss.workers = Math.max(rss.workers, ...pids.workers.map((p) => readRss(p)?.rss ?? 0));
  };
  const sampler = setInterval(sample, 250);
  for (let t = 5; Date.now() < end; t += 5) {
    await sleep(Math.max(0, Math.min(start + t * 1000, end) - Date.now()));
    maxLoopDelayMs = Math.max(maxLoopDelayMs, lastStats?.maxLoopDelayMs ?? 0);
    askStats();
    say(
      `  t+${Math.min(t, SECONDS)} s: server rss ${mb(readRss(pids.server)?.rss)}, ` +
        `heap ${mb(lastStats?.heapUsedBytes)}, event-loop p99 ${lastStats?.p99LoopDelayMs.toFixed(0)} ms, ` +
        `max ${lastStats?.maxLoopDelayMs.toFixed(0)} ms; sampled lines ${receipts.received}`,
    );
  }
  const cpu1 = cpuOf();
  const cores = (a: number, b: number) => (b - a) / ((cpu1.at - cpu0.at) / 1000);
  real.send({ type: "stats" });
  const realStats = await nextMessage<{ type: "stats"; heapUsedBytes: number }>(
    real,
    "stats",
    30_000,
    "real agent",
  ).catch(() => undefined);
  await sleep(DRAIN_MS);
  clearInterval(sampler);
  sample();
  const peak = {
    server: readRss(pids.server)?.peak ?? rss.server,
    real: readRss(pids.real)?.peak ?? rss.real,
  };

  const results = await Promise.all(
    workers.map(async (w, i) => {
      const r = nextMessage<Extract<TWorkerReport, { type: "result" }>>(
        w,
        "result",
        60_000,
        `agents-${i}`,
      );
      w.send({ type: "report" } satisfies TWorkerCommand);
      return (await r).result;
    }),
  );
  for (const s of subs) s.unsubscribe();
  const agg = aggregateWorkerResults(results);
  const undelivered = receipts.countUndelivered(agg.byAgent);

  const summary: TAgentsSummary = {
    provider: ready.provider,
    sqliteSynchronous: args["sqlite-synchronous"]!,
    agents: AGENTS,
    linesPerSecondPerAgent: RATE,
    windowSeconds: SECONDS,
    offeredLinesPerSecond: AGENTS * RATE,
    writtenLinesPerSecond: agg.linesWritten / SECONDS,
    ingestedLinesPerSecond: agg.linesAcked / SECONDS,
    chunksPerSecond: agg.chunksSent / SECONDS,
    latencyMs: latencyOf(receipts.latency.simulated),
    undeliveredLines: undelivered,
    realAgentLatencyMs: latencyOf(receipts.latency.real),
    agentBatchingMs: latencyOf(agg.batchMs),
    chunkAckMs: latencyOf(agg.ackMs),
    sampledBuilds: subs.length,
    sampledLines: receipts.received,
    sampledGaps: receipts.gaps,
    subscriptionErrors: subErrors,
    serverErrorsToAgents: agg.errors,
    ...(agg.firstError ? { firstServerError: agg.firstError } : {}),
    serverWarnings: lastStats?.warnings ?? NaN,
    unackedChunksAtEnd: agg.unacked,
    maxSocketBufferedBytes: agg.maxBufferedBytes,
    serverRssPeakBytes: peak.server,
    serverHeapUsedBytes: lastStats?.heapUsedBytes ?? NaN,
    serverMaxLoopDelayMs: maxLoopDelayMs,
    realAgentRssPeakBytes: peak.real,
    realAgentHeapUsedBytes: realStats?.heapUsedBytes ?? NaN,
    simulatedAgentProcessRssMaxBytes: rss.workers,
    cpuCores: {
      server: cores(cpu0.server, cpu1.server),
      realAgent: cores(cpu0.real, cpu1.real),
      simulatedAgents: cores(cpu0.workers, cpu1.workers),
    },
    loadAverageAtEnd: os.loadavg()[0]!,
    rampSeconds: ramp,
  };
  const misses = missedTargets(summary);
  printReport(summary, misses, say);
  if (args.json) console.log(toJson(summary, misses));
  return misses.length ? 1 : 0;
}

/**
 * A stalled server closes idle keep-alive sockets late, racing the client's
 * next request on them: that request was never read (the socket is reset),
 * so sending it again cannot create a build twice.
 */
async function retryOnReset<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      let c: unknown = err;
      while (c && (c as { code?: string }).code !== "ECONNRESET") c = (c as Error).cause;
      if (!c || attempt === 3) throw err;
      say(`  connection reset (a stalled server closing a keep-alive socket); retrying`);
    }
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  let cause = (err as Error)?.cause;
  while ((cause as Error | undefined)?.cause) cause = (cause as Error).cause;
  say(
    `agents bench failed: ${(err as Error)?.stack ?? String(err)}${cause ? `\n  cause: ${String(cause)}` : ""}`,
  );
  for (const l of children.lastLines()) say(l);
}
await children.stopAll();
process.exit(code);
