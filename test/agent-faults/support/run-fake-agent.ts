/**
 * `kiln agent` with the fake executor, as its own process so a test can
 * SIGKILL it (the CLI has no fake-executor option). Same layers as the real
 * command: runAgent with start-up cleanup, stored credentials in the work
 * dir, default reconnect backoff; only the executor is scripted (a build
 * that logs for ten minutes).
 *
 * Usage: node --import tsx run-fake-agent.ts '{"server","token"?,"workDir","name","labels"?}'
 * Operational log lines go to stderr as JSON.
 */
import type { Logger } from "@kiln/contracts/logger";
import { createFakeExecutor } from "../../../apps/cli/src/agent/testing/create-fake-executor.ts";
import { runAgent } from "../../../apps/cli/src/agent/run-agent.ts";
import { noisyBuildScript } from "./noisy-build-script.ts";

const o = JSON.parse(process.argv[2] ?? "{}") as {
  server: string;
  token?: string;
  workDir: string;
  name: string;
  labels?: Record<string, string>;
};
const line =
  (level: string) =>
  (msg: string, fields?: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ t: Date.now(), level, msg, ...fields })}\n`);
  };
const logger: Logger = {
  debug: () => {},
  info: line("info"),
  warn: line("warn"),
  error: line("error"),
};
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

await runAgent({
  server: o.server,
  ...(o.token ? { token: o.token } : {}),
  workDir: o.workDir,
  name: o.name,
  labels: o.labels ?? {},
  capacity: 1,
  executor: createFakeExecutor(noisyBuildScript({ lines: 6000, durationMs: 600_000, seed: 9 })),
  logger,
});
