/**
 * Kiln's server process: `npm start` at the repository root runs this with
 * tsx. It reads the environment (src/env.ts), then serves the dashboard and
 * its API on one port (src/server/start-dashboard.ts).
 */
import { EnvError, prepareProcessEnv, readDashboardEnv } from "./src/env.ts";
import { loadSecretKey, type TSecretKey } from "./src/server/load-secret-key.ts";

async function main(): Promise<void> {
  let env;
  let secret: TSecretKey;
  try {
    env = readDashboardEnv();
    secret = loadSecretKey(env);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    process.stderr.write(`kiln: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  // Before Next and tRPC are loaded: they read NODE_ENV and telemetry settings at import.
  prepareProcessEnv();
  const { createServerLogger } = await import("./src/server/create-logger.ts");
  const { startDashboard } = await import("./src/server/start-dashboard.ts");
  const logger = createServerLogger({ level: env.KILN_LOG_LEVEL, format: env.KILN_LOG_FORMAT });
  try {
    const running = await startDashboard(env, logger, secret);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1); // a second Ctrl-C: do not wait
      stopping = true;
      logger.info("stopping", { signal });
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  } catch (err) {
    // One line for what the operator must fix; the stack only helps us.
    logger.error(err instanceof Error ? err.message : String(err));
    logger.debug("start-up failure", { stack: (err as Error)?.stack });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}

void main();
