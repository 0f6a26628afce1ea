/** Reconnect delays: exponential, capped, with jitter so a fleet does not reconnect in lockstep. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). */
  baseMs: number;
  /** Cap on the un-jittered delay (ms). */
  maxMs: number;
  /** Uniform [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): the capped exponential
 * ceiling scaled into [ceiling/2, ceiling). Half-jitter rather than full
 * jitter keeps a floor, so a server that is down is not hammered at ~0 ms.
 */
export function computeBackoff(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
