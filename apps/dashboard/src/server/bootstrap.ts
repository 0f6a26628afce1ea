import { HEARTBEAT_INTERVAL_MS } from "@kiln/protocol/limits";
import type { ServerDeps } from "@kiln/server/context";
import { ensureFirstAdmin } from "@kiln/server/services/auth/first-admin";
import { registerBuiltinCatalog } from "@kiln/server/services/catalogs/manage-catalogs";
import { startDispatcher } from "@kiln/server/services/dispatch/start-dispatcher";
import { applyRetention } from "@kiln/server/services/retention/apply-retention";
import type { TDashboardEnv } from "../env.ts";
import { announceSetupLink, removeSetupLink } from "./setup-link.ts";

/** How often queued builds are matched again (also right after any build change). */
const DISPATCH_EVERY_MS = 5_000;
const RETENTION_EVERY_MS = 15 * 60_000;

/**
 * One-time work at start and the periodic jobs: the first admin (or a setup
 * link), the built-in catalog, the dispatcher, lost agents and retention.
 * Returns a function that stops the timers.
 */
export async function bootstrapServer(deps: ServerDeps, env: TDashboardEnv): Promise<() => void> {
  const log = deps.logger;
  const admin = await ensureFirstAdmin(deps, {
    email: env.KILN_ADMIN_EMAIL,
    password: env.KILN_ADMIN_PASSWORD,
  });
  if (admin.kind === "created")
    log.info("created the first administrator", { email: admin.user.email });
  if (admin.kind === "setup") {
    announceSetupLink(admin.setupUrl, {
      dataDir: env.dataDir,
      logger: log,
      terminal: process.stderr,
    });
  } else {
    removeSetupLink(env.dataDir);
  }

  try {
    const started = Date.now();
    const builtin = await registerBuiltinCatalog(deps);
    log.info("built-in catalog registered", {
      dir: deps.config.builtinElementsDir,
      ms: Date.now() - started,
      created: builtin.created,
      elements: builtin.version.elementCount,
      sha256: builtin.version.sha256.slice(0, 12),
    });
  } catch (err) {
    // A broken elements/ tree must not keep the dashboard down.
    log.error(
      `built-in catalog not registered: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  const jobs: (() => void)[] = [];
  // A new build learns why it waits at once (200 ms after the change), not at the next tick.
  jobs.push(
    startDispatcher(deps, {
      everyMs: DISPATCH_EVERY_MS,
      afterChangeMs: 200,
      // The interval the agent gateway tells agents (it uses the protocol's default too).
      offline: { heartbeatMs: HEARTBEAT_INTERVAL_MS.default },
    }),
  );
  jobs.push(
    every(
      RETENTION_EVERY_MS,
      "retention",
      async () => {
        const r = await applyRetention(deps);
        if (r.purged.length)
          log.info("retention purged builds", {
            builds: r.purged.length,
            freedBytes: r.freedBytes,
          });
      },
      deps,
    ),
  );
  return () => jobs.forEach((stop) => stop());
}

function every(ms: number, name: string, job: () => Promise<void>, deps: ServerDeps): () => void {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    job()
      .catch((err: unknown) => deps.logger.error(`${name} failed`, { err: String(err) }))
      .finally(() => (running = false));
  };
  const timer = setInterval(tick, ms);
  timer.unref();
  setTimeout(tick, 50).unref();
  return () => clearInterval(timer);
}
