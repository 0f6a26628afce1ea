import type { ServerDeps } from "../../context.ts";
import { dispatchQueued } from "./dispatch-queued.ts";

interface TDispatchState {
  running: Promise<void> | undefined;
  /** A request came in during the current run: run once more after it. */
  again: boolean;
}

const states = new WeakMap<object, TDispatchState>();

/**
 * Asks for a dispatch run without starting one per caller: while a run is in
 * progress, any number of requests (200 agents saying HELLO at once) fold
 * into one more run after it, which sees everything they changed. Keyed on
 * the database client, so one process shares one queue. Resolves when a run
 * that started after this call has finished; failures are logged, not thrown.
 */
export function requestDispatch(deps: ServerDeps): Promise<void> {
  const key = deps.db;
  let state = states.get(key);
  if (!state) {
    state = { running: undefined, again: false };
    states.set(key, state);
  }
  const s = state;
  if (s.running) {
    s.again = true;
    return s.running;
  }
  s.running = (async () => {
    do {
      s.again = false;
      try {
        await dispatchQueued(deps);
      } catch (err) {
        deps.logger.warn("dispatch failed", { err: String((err as Error)?.stack ?? err) });
      }
    } while (s.again);
    // No await between the check above and this line: a request cannot slip in between.
    s.running = undefined;
  })();
  return s.running;
}
