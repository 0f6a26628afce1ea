import type { ServerDeps } from "../../context.ts";
import { BUILDS_TOPIC } from "../builds/build-topics.ts";
import { markAgentsOffline } from "./mark-agents-offline.ts";
import { requestDispatch } from "./request-dispatch.ts";

export interface TDispatcherOptions {
  /** Period of the tick: offline marking (if asked), then a dispatch run. */
  everyMs: number;
  /** Delay between a build change and its dispatch run (changes within it share the run). */
  afterChangeMs: number;
  /** Mark silent agents OFFLINE and lose their builds on every tick. */
  offline?: {
    /** The heartbeat told to agents; three missed make one OFFLINE. */
    heartbeatMs: number;
    /** Grace after OFFLINE before builds are lost (default: markAgentsOffline's). */
    graceMs?: number;
  };
}

/**
 * The server's dispatcher: a tick that marks silent agents offline and
 * matches queued builds, plus a run soon after any build change (a new build
 * learns why it waits at once). Agents' silence counts from this start, not
 * across a restart of the server process. Returns a function that stops it.
 */
export function startDispatcher(deps: ServerDeps, o: TDispatcherOptions): () => void {
  const serverStartedAt = deps.now();
  let ticking = false;
  const tick = () => {
    if (ticking) return;
    ticking = true;
    (async () => {
      if (o.offline) {
        const { heartbeatMs, graceMs } = o.offline;
        await markAgentsOffline(deps, {
          heartbeatMs,
          serverStartedAt,
          ...(graceMs !== undefined ? { graceMs } : {}),
        });
      }
      await requestDispatch(deps);
    })()
      .catch((err: unknown) => deps.logger.error("dispatch failed", { err: String(err) }))
      .finally(() => (ticking = false));
  };
  const timer = setInterval(tick, o.everyMs);
  timer.unref();
  const first = setTimeout(tick, 50);
  first.unref();
  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = deps.bus.subscribe(BUILDS_TOPIC, () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      void requestDispatch(deps);
    }, o.afterChangeMs);
  });
  return () => {
    clearInterval(timer);
    clearTimeout(first);
    clearTimeout(pending);
    unsubscribe();
  };
}
