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
    // A success does not reset the address: it would reopen guessing at other accounts.
    throttle.recordSuccess({ account: "u4", address: "nat" });
    expect(throttle.retryAfterMs({ account: "ann", address: "nat" }, 0)).toBe(1000);
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
