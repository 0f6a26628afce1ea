import { describe, expect, it } from "vitest";
import { computeBackoff } from "./compute-backoff.ts";

describe("computeBackoff", () => {
  const opts = { baseMs: 100, maxMs: 5000 };

  it("grows exponentially until the cap", () => {
    const mid = (a: number) => computeBackoff(a, { ...opts, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(mid)).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it("keeps jitter within [ceiling/2, ceiling] and uses the random source", () => {
    expect(computeBackoff(3, { ...opts, random: () => 0 })).toBe(400);
    expect(computeBackoff(3, { ...opts, random: () => 0.5 })).toBe(600);
    let seed = 7;
    const lcg = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const d = computeBackoff(20, { ...opts, random: lcg });
      expect(d).toBeGreaterThanOrEqual(2500);
      expect(d).toBeLessThanOrEqual(5000);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(10);
  });
});
