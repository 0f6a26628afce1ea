// One real agent process for the agents bench (`runAgent`: connection →
// worker → job runner with its spool and log streamer), with the fake
// executor writing N lines a second instead of running hooks, so the
// process's resident memory is the agent's own. Its lines use the bench's
// line format, so the orchestrator can measure their latency too.
// Env: KILN_BENCH_URL, KILN_BENCH_TOKEN, KILN_BENCH_AGENT_INDEX, KILN_BENCH_RATE, KILN_BENCH_LINES.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@kiln/contracts/logger";
import type { AgentWorker } from "../../apps/cli/src/agent/agent-worker.ts";
import type { BuildExecutor } from "../../apps/cli/src/agent/build-executor.ts";
import {
  createFakeExecutor,
  type TFakeStep,
} from "../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { runAgent } from "../../apps/cli/src/agent/run-agent.ts";
import { formatLine } from "./bench-support.ts";

const env = process.env;
const index = Number(env.KILN_BENCH_AGENT_INDEX ?? 0);
const rate = Number(env.KILN_BENCH_RATE ?? 20);
const LINE = "@line@";
const script: TFakeStep[] = [];
for (let i = 0; i < Number(env.KILN_BENCH_LINES ?? 2000); i++)
  script.push({ log: LINE }, { sleepMs: 1000 / rate });
const fake = createFakeExecutor(script);
// Stamps each scripted line with the time it is written, as a hook's stdout would be.
const executor: BuildExecutor = {
  preflight: () => fake.preflight(),
  run(job) {
    process.send?.({ type: "assigned", buildId: job.buildId });
    let n = 0;
    return fake.run({
      ...job,
      writeLog: (d) => job.writeLog(d === LINE ? formatLine(Date.now(), index, n++) : d),
    });
  },
};

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-agent-"));
let worker: AgentWorker | undefined;
const stop = async () => {
  await worker?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("message", (m: { type: string }) => {
  if (m.type === "stats")
    process.send?.({ type: "stats", heapUsedBytes: process.memoryUsage().heapUsed });
});
process.on("disconnect", () => void stop());

runAgent({
  server: env.KILN_BENCH_URL!,
  token: env.KILN_BENCH_TOKEN,
  workDir,
  name: "real-agent",
  labels: {},
  capacity: 1,
  executor,
  logger: silentLogger,
  skipCleanup: true,
  onWorker: (w) => {
    worker = w;
    process.send?.({ type: "connected" });
  },
}).catch((err: unknown) => {
  process.send?.({ type: "failed", error: String(err) });
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(1);
});
