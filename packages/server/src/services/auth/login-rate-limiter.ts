/**
 * Failed sign-in counting, per email and per client address.
 *
 * In memory, per server process: enough for Kiln's usual single server, and
 * it needs no table or cleanup job. With several server processes each keeps
 * its own count, so an attacker gets at most `maxFailures` tries per process
 * and window: still a hard cap, just a multiple of it. A restart forgets the
 * counts; argon2's cost still bounds guessing speed.
 */
import type { ServerDeps } from "../../context.ts";

export interface TLoginLimits {
  /** Failures allowed within the window before sign-in is refused (default 5). */
  maxFailures: number;
  /** Sliding window, ms (default 15 minutes). */
  windowMs: number;
  /** Keys remembered at most; the oldest are dropped beyond this (default 10000). */
  maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: TLoginLimits = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
};

export class LoginRateLimiter {
  // Map iteration order is insertion order: re-inserting on every failure
  // keeps the least recently failing keys first, which is what gets evicted.
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: TLoginLimits = DEFAULT_LOGIN_LIMITS) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string, nowMs: number): number {
    const recent = this.recent(key, nowMs);
    if (recent.length < this.limits.maxFailures) return 0;
    // The window frees one slot when the oldest counted failure ages out.
    const oldest = recent[recent.length - this.limits.maxFailures]!;
    return Math.max(1, oldest + this.limits.windowMs - nowMs);
  }

  /**
   * Check and count in one step: when every key may try now, an attempt is
   * counted for each before returning 0 (undo it with `forgive` once the
   * attempt succeeds); otherwise nothing is counted and the wait is
   * returned. Counting before the password is verified means concurrent
   * attempts cannot all pass the check while none has failed yet.
   */
  takeAttempt(keys: readonly string[], nowMs: number): number {
    const waitMs = Math.max(0, ...keys.map((key) => this.retryAfterMs(key, nowMs)));
    if (waitMs > 0) return waitMs;
    for (const key of keys) this.recordFailure(key, nowMs);
    return 0;
  }

  /** Uncount the attempt `takeAttempt` counted for `key` at `atMs` (it succeeded). */
  forgive(key: string, atMs: number): void {
    const recent = this.failures.get(key);
    const index = recent?.lastIndexOf(atMs) ?? -1;
    if (!recent || index < 0) return;
    recent.splice(index, 1);
    if (recent.length === 0) this.failures.delete(key);
  }

  /** Count a failed attempt for `key`. */
  recordFailure(key: string, nowMs: number): void {
    const recent = this.recent(key, nowMs);
    recent.push(nowMs);
    this.failures.delete(key);
    this.failures.set(key, recent.slice(-this.limits.maxFailures));
    while (this.failures.size > this.limits.maxKeys) {
      const first = this.failures.keys().next().value;
      if (first === undefined) break;
      this.failures.delete(first);
    }
  }

  /** Forget `key`'s failures (after a successful sign-in). */
  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, nowMs: number): number[] {
    const all = this.failures.get(key);
    if (!all) return [];
    const kept = all.filter((t) => t > nowMs - this.limits.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    return kept;
  }
}

// One limiter per server (per deps object), so tests with their own deps do
// not share counts and ServerDeps needs no extra field.
const limiters = new WeakMap<ServerDeps, LoginRateLimiter>();

/** The sign-in limiter of this server. */
export function loginLimiterFor(deps: ServerDeps): LoginRateLimiter {
  let limiter = limiters.get(deps);
  if (!limiter) limiters.set(deps, (limiter = new LoginRateLimiter()));
  return limiter;
}
