import { describe, expect, it } from "vitest";
import { BackoffCounter, LoginRateLimiter } from "./login-rate-limiter.ts";
import { randomBase62 } from "./secrets.ts";

describe("BackoffCounter", () => {
  const limits = {
    freeFailures: 2,
    baseDelayMs: 100,
    maxDelayMs: 350,
    forgetAfterMs: 10_000,
    maxKeys: 4,
  };

  it("waits after the free failures, doubling each time up to the cap", () => {
    const counter = new BackoffCounter(limits);
    counter.recordFailure("k", 0);
    expect(counter.retryAfterMs("k", 0)).toBe(0);
    counter.recordFailure("k", 0);
    expect(counter.retryAfterMs("k", 0)).toBe(100);
    expect(counter.retryAfterMs("k", 60)).toBe(40);
    expect(counter.retryAfterMs("k", 100)).toBe(0);
    counter.recordFailure("k", 100);
    expect(counter.retryAfterMs("k", 100)).toBe(200);
    counter.recordFailure("k", 300);
    expect(counter.retryAfterMs("k", 300)).toBe(350);
    counter.recordFailure("k", 650);
    expect(counter.retryAfterMs("k", 650)).toBe(350);
    expect(counter.retryAfterMs("other", 650)).toBe(0);
    counter.reset("k");
    expect(counter.retryAfterMs("k", 650)).toBe(0);
  });

  it("forgets a key after a quiet period", () => {
    const counter = new BackoffCounter(limits);
    for (let i = 0; i < 5; i++) counter.recordFailure("k", 0);
    expect(counter.retryAfterMs("k", 9_999)).toBe(0);
    counter.recordFailure("k", 10_000);
    expect(counter.retryAfterMs("k", 10_000)).toBe(0);
  });

  it("counts an attempt when taking it, before its outcome is known", () => {
    const limiter = new LoginRateLimiter({
      account: { ...limits, freeFailures: 2 },
      address: { ...limits, freeFailures: 3 },
    });
    const a = { account: "a", address: "ip1" };
    // Two attempts in flight at once use up the account's allowance; the third waits.
    expect([0, 1].map((at) => limiter.takeAttempt(a, at))).toEqual([0, 0]);
    expect(limiter.takeAttempt(a, 2)).toBe(99);
    // A refused attempt counts nothing: the wait does not grow.
    expect(limiter.takeAttempt(a, 3)).toBe(98);
    // One of them succeeded: the account is cleared, the address takes back one count.
    limiter.recordSuccess(a);
    expect(limiter.retryAfterMs(a, 4)).toBe(0);
    expect(limiter.takeAttempt({ account: "b", address: "ip1" }, 4)).toBe(0);
    expect(limiter.takeAttempt({ account: "c", address: "ip1" }, 5)).toBe(0);
    // The address's third counted attempt starts its backoff, whatever the account.
    expect(limiter.takeAttempt({ account: "d", address: "ip1" }, 6)).toBe(99);
  });

  it("forgets the least recently failing keys beyond maxKeys", () => {
    const counter = new BackoffCounter(limits);
    for (let i = 0; i < 3; i++) counter.recordFailure("old", i);
    for (const k of ["a", "b", "c", "d"]) counter.recordFailure(k, 10);
    expect(counter.retryAfterMs("old", 20)).toBe(0);
  });
});

describe("LoginRateLimiter", () => {
  const backoff = { baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 3_600_000, maxKeys: 100 };
  const limiter = () =>
    new LoginRateLimiter({
      account: { ...backoff, freeFailures: 2 },
      address: { ...backoff, freeFailures: 4 },
    });

  it("throttles an account from any address, and a success clears only the account", () => {
    const throttle = limiter();
    throttle.recordFailure({ account: "ann", address: "a1" }, 0);
    throttle.recordFailure({ account: "ann", address: "a2" }, 0);
    expect(throttle.retryAfterMs({ account: "ann", address: "a3" }, 0)).toBe(1000);
    expect(throttle.retryAfterMs({ account: "bob", address: "a1" }, 0)).toBe(0);
    throttle.recordSuccess({ account: "ann", address: "a3" });
    expect(throttle.retryAfterMs({ account: "ann", address: "a3" }, 0)).toBe(0);
  });

  it("throttles an address across accounts only past its own, larger allowance", () => {
    const throttle = limiter();
    for (const account of ["u1", "u2", "u3"])
      throttle.recordFailure({ account, address: "nat" }, 0);
    expect(throttle.retryAfterMs({ account: "ann", address: "nat" }, 0)).toBe(0);
    throttle.recordFailure({ account: "u4", address: "nat" }, 0);
    expect(throttle.retryAfterMs({ account: "ann", address: "nat" }, 0)).toBe(1000);
    expect(throttle.retryAfterMs({ account: "ann", address: "elsewhere" }, 0)).toBe(0);
  });

  it("takes back only the succeeding attempt's own count at the address", () => {
    const throttle = limiter();
    for (const account of ["u1", "u2", "u3"])
      throttle.recordFailure({ account, address: "nat" }, 0);
    // Counted ahead (the fourth), then it succeeds: the address is back to three.
    expect(throttle.takeAttempt({ account: "ann", address: "nat" }, 0)).toBe(0);
    throttle.recordSuccess({ account: "ann", address: "nat" });
    expect(throttle.retryAfterMs({ account: "bob", address: "nat" }, 0)).toBe(0);
    // The others' failures stay: a success must not reopen guessing at other accounts.
    throttle.recordFailure({ account: "u4", address: "nat" }, 0);
    expect(throttle.retryAfterMs({ account: "bob", address: "nat" }, 0)).toBe(1000);
  });
});

describe("randomBase62", () => {
  it("uses all 62 characters about evenly", () => {
    const s = randomBase62(62_000);
    expect(s).toMatch(/^[0-9A-Za-z]+$/);
    const counts = new Map<string, number>();
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1000 expected each; a modulo bias would give the first 8 about 1240.
    for (const n of counts.values()) expect(n).toBeLessThan(1150);
  });
});
