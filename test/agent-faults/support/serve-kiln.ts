/**
 * The server side of the fault tests, as its own process so a test can
 * SIGKILL it: the agent gateway and @kiln/server's /api routes (tRPC,
 * health, log download) on one HTTP server, plus the dispatch and
 * offline-marking timers, over a SQLite file. The dashboard's own start-up
 * (`startDashboard`) also builds Next and hardcodes a 10 s heartbeat, so the
 * tests assemble the same parts with the timings they need.
 *
 * Usage: node --import tsx serve-kiln.ts '<TServeKilnConfig as JSON>'
 * Prints "ready" on stdout once listening; operational log lines go to stderr.
 */
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { Logger } from "@kiln/contracts/logger";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import { testServerDeps } from "@kiln/server/testing/test-server-deps";

export interface TServeKilnConfig {
  /** file:… SQLite URL (migrated here on every start, a no-op after the first). */
  dbUrl: string;
  /** Artifact store root. */
  storeDir: string;
  port: number;
  /** Told to agents in WELCOME and used for offline marking. */
  heartbeatMs?: number;
  /** Grace after OFFLINE before an agent's builds are lost (default: markAgentsOffline's). */
  graceMs?: number;
  /** How often offline marking and dispatch run. */
  tickMs: number;
  /** Elements ad-hoc builds are resolved against. */
  builtinElementsDir: string;
}

const config = JSON.parse(process.argv[2] ?? "{}") as TServeKilnConfig;

const logger: Logger = {
  debug: () => {},
  info: (msg, fields) => line("info", msg, fields),
  warn: (msg, fields) => line("warn", msg, fields),
  error: (msg, fields) => line("error", msg, fields),
};
function line(level: string, msg: string, fields?: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ t: Date.now(), level, msg, ...fields })}\n`);
}

// The parent holds our stdin: when it dies, so do we (no orphan servers between test runs).
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

await migrateDatabase({ url: config.dbUrl });
const deps = testServerDeps(createDb({ url: config.dbUrl }), {
  storeDir: config.storeDir,
  logger,
  config: {
    version: "0.0.0-faults",
    builtinElementsDir: config.builtinElementsDir,
    publicUrl: `http://127.0.0.1:${config.port}`,
    catalogCacheDir: path.join(config.storeDir, "..", "catalog-cache"),
  },
});

const { gateway } = await startApiServer({
  deps,
  port: config.port,
  ...(config.heartbeatMs ? { gateway: { heartbeatIntervalMs: config.heartbeatMs } } : {}),
  // Offline marking and dispatch on the test's tick; a new build is dispatched at once.
  dispatch: {
    everyMs: config.tickMs,
    afterChangeMs: 50,
    offline: {
      heartbeatMs: config.heartbeatMs ?? 10_000,
      ...(config.graceMs !== undefined ? { graceMs: config.graceMs } : {}),
    },
  },
});

process.on("SIGTERM", () => {
  void gateway.close().finally(() => process.exit(0));
});
process.stdout.write("ready\n");
