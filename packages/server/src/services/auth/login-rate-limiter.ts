/**
 * Failed sign-in throttling with exponential backoff, per account and per
 * client address, never a flat lockout:
 * - an account gets a few free failures, then each further failure doubles
 *   the wait before the next try (up to a cap); a successful sign-in clears
 *   it. That protects a targeted account from guessing, whatever the address.
 * - an address gets many more free failures before the same backoff starts,
 *   so one attacker behind a shared proxy (or NAT) does not lock out the
 *   other people behind it. Password spraying from one address is still slowed.
 * Only failures count: a refused (throttled) attempt is not verified at all.
 *
 * In memory, per server process: enough for Kiln's usual single server, and
 * it needs no table or cleanup job. With several server processes each keeps
 * its own counts, so an attacker gets that many times the tries. A restart
 * forgets the counts; argon2's cost still bounds guessing speed.
 */
import type { ServerDeps } from "../../context.ts";

export interface TBackoffLimits {
  /** Failures that cost no wait; the one that reaches this number starts the backoff. */
  freeFailures: number;
  /** Wait after the `freeFailures`-th failure, ms; it doubles with each further one. */
  baseDelayMs: number;
  /** Longest wait, ms. */
  maxDelayMs: number;
  /** A key without a failure for this long is forgotten. */
  forgetAfterMs: number;
  /** Keys remembered at most; the least recently failing are dropped beyond this. */
  maxKeys: number;
}

export interface TLoginLimits {
  /** Per account (the normalised email, known or not). */
  account: TBackoffLimits;
  /** Per client address (see http/client-address.ts for how it is found). */
  address: TBackoffLimits;
}

const BACKOFF = {
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
  maxKeys: 10_000,
};

export const DEFAULT_LOGIN_LIMITS: TLoginLimits = {
  account: { ...BACKOFF, freeFailures: 3 },
  address: { ...BACKOFF, freeFailures: 100 },
};

interface TFailures {
  count: number;
  lastMs: number;
}

/** Backoff bookkeeping for one kind of key. */
export class BackoffCounter {
  // Map iteration order is insertion order: re-inserting on every failure
  // keeps the least recently failing keys first, which is what gets evicted.
  private readonly failures = new Map<string, TFailures>();

  constructor(private readonly limits: TBackoffLimits) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string, nowMs: number): number {
    const entry = this.current(key, nowMs);
    if (!entry) return 0;
    const wait = this.delayAfter(entry.count);
    return Math.max(0, entry.lastMs + wait - nowMs);
  }

  /** Count a failed attempt for `key`. */
  recordFailure(key: string, nowMs: number): void {
    const count = (this.current(key, nowMs)?.count ?? 0) + 1;
    this.failures.delete(key);
    this.failures.set(key, { count, lastMs: nowMs });
    while (this.failures.size > this.limits.maxKeys) {
      const first = this.failures.keys().next().value;
      if (first === undefined) break;
      this.failures.delete(first);
    }
  }

  /** Forget `key`'s failures. */
  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Take back one counted failure of `key` (an attempt counted ahead that succeeded). */
  forgive(key: string): void {
    const entry = this.failures.get(key);
    if (!entry) return;
    if (entry.count <= 1) this.failures.delete(key);
    else entry.count -= 1;
  }

  /** The wait after `count` failures: none before the free ones are used, then base × 2^k up to the cap. */
  private delayAfter(count: number): number {
    const past = count - this.limits.freeFailures;
    if (past < 0) return 0;
    // Capped exponent: 2^40 × base is far past any sensible cap and stays exact.
    const delay = this.limits.baseDelayMs * 2 ** Math.min(past, 40);
    return Math.min(delay, this.limits.maxDelayMs);
  }

  private current(key: string, nowMs: number): TFailures | undefined {
    const entry = this.failures.get(key);
    if (entry && nowMs - entry.lastMs >= this.limits.forgetAfterMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** One sign-in attempt's keys. */
export interface TSignInAttempt {
  /** The normalised email tried. */
  account: string;
  /** The client's address, when the transport knows it. */
  address?: string;
}

/** The sign-in throttle: the account's and the address's counters together. */
export class LoginRateLimiter {
  private readonly accounts: BackoffCounter;
  private readonly addresses: BackoffCounter;

  constructor(limits: TLoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.accounts = new BackoffCounter(limits.account);
    this.addresses = new BackoffCounter(limits.address);
  }

  /** Milliseconds until this attempt may be made; 0 when it may be made now. */
  retryAfterMs(attempt: TSignInAttempt, nowMs: number): number {
    const account = this.accounts.retryAfterMs(attempt.account, nowMs);
    const address = attempt.address ? this.addresses.retryAfterMs(attempt.address, nowMs) : 0;
    return Math.max(account, address);
  }

  /** Count a failed attempt against its account and its address. */
  recordFailure(attempt: TSignInAttempt, nowMs: number): void {
    this.accounts.recordFailure(attempt.account, nowMs);
    if (attempt.address) this.addresses.recordFailure(attempt.address, nowMs);
  }

  /**
   * Check and count in one step, before the password is verified: when the
   * attempt may be made now it is counted as a failure at once and 0 is
   * returned (`recordSuccess` takes it back); otherwise nothing is counted
   * and the wait is returned. Called before any await, so concurrent or
   * batched attempts cannot all pass the check while none has failed yet.
   */
  takeAttempt(attempt: TSignInAttempt, nowMs: number): number {
    const waitMs = this.retryAfterMs(attempt, nowMs);
    if (waitMs === 0) this.recordFailure(attempt, nowMs);
    return waitMs;
  }

  /**
   * A successful sign-in (counted ahead by `takeAttempt`) clears its
   * account's failures and takes back its own count at the address. The
   * address keeps the rest: one good password must not reset guesses at
   * other accounts.
   */
  recordSuccess(attempt: TSignInAttempt): void {
    this.accounts.reset(attempt.account);
    if (attempt.address) this.addresses.forgive(attempt.address);
  }
}

// One limiter per server (per deps object), so tests with their own deps do
// not share counts and ServerDeps needs no extra field.
const limiters = new WeakMap<ServerDeps, LoginRateLimiter>();

/** The sign-in limiter of this server, with the configured limits. */
export function loginLimiterFor(deps: ServerDeps): LoginRateLimiter {
  let limiter = limiters.get(deps);
  if (!limiter) {
    const freeForAddress = deps.config.signInFailuresPerAddress;
    limiter = new LoginRateLimiter({
      account: DEFAULT_LOGIN_LIMITS.account,
      address: {
        ...DEFAULT_LOGIN_LIMITS.address,
        ...(freeForAddress !== undefined ? { freeFailures: freeForAddress } : {}),
      },
    });
    limiters.set(deps, limiter);
  }
  return limiter;
}
