import { describe, expect, it } from "vitest";
import { LoginRateLimiter } from "./login-rate-limiter.ts";
import { randomBase62 } from "./secrets.ts";

describe("LoginRateLimiter", () => {
  const limits = { maxFailures: 3, windowMs: 1000, maxKeys: 4 };

  it("blocks after maxFailures in the window and frees a slot as the oldest ages out", () => {
    const l = new LoginRateLimiter(limits);
    l.recordFailure("k", 0);
    l.recordFailure("k", 100);
    expect(l.retryAfterMs("k", 150)).toBe(0);
    l.recordFailure("k", 200);
    expect(l.retryAfterMs("k", 250)).toBe(750);
    expect(l.retryAfterMs("k", 999)).toBe(1);
    expect(l.retryAfterMs("k", 1000)).toBe(0);
    expect(l.retryAfterMs("other", 250)).toBe(0);
    l.reset("k");
    expect(l.retryAfterMs("k", 300)).toBe(0);
  });

  it("counts an attempt when taking it, before its outcome is known", () => {
    const limiter = new LoginRateLimiter(limits);
    const keys = ["email:a", "ip:1"];
    // Three attempts in flight at once use up the allowance; the fourth waits.
    expect([0, 1, 2].map((at) => limiter.takeAttempt(keys, at))).toEqual([0, 0, 0]);
    expect(limiter.takeAttempt(keys, 3)).toBe(997);
    // A refused attempt counts nothing: the wait does not grow.
    expect(limiter.takeAttempt(keys, 4)).toBe(996);
    // One of them succeeded: its count is forgiven for that key only.
    limiter.forgive("ip:1", 1);
    expect(limiter.retryAfterMs("ip:1", 5)).toBe(0);
    expect(limiter.retryAfterMs("email:a", 5)).toBe(995);
    expect(limiter.takeAttempt(["email:b", "ip:1"], 6)).toBe(0);
    expect(limiter.takeAttempt(["email:c", "ip:1"], 7)).toBe(993);
  });

  it("forgets the least recently failing keys beyond maxKeys", () => {
    const l = new LoginRateLimiter(limits);
    for (let i = 0; i < 3; i++) l.recordFailure("old", i);
    for (const k of ["a", "b", "c", "d"]) l.recordFailure(k, 10);
    expect(l.retryAfterMs("old", 20)).toBe(0);
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
