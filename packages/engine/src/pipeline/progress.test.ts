import { describe, expect, it } from "vitest";
import { ProgressTracker } from "./progress.ts";

describe("ProgressTracker", () => {
  it("reports i/N and elapsed without history, and no ETA", () => {
    let t = 1000;
    const p = new ProgressTracker(["a", "b", "c", "d"], undefined, () => t);
    p.enter("b");
    t = 3000;
    expect(p.snapshot()).toEqual({ index: 2, total: 4, elapsedMs: 2000, fraction: 0.25 });
  });

  it("estimates the rest from an earlier build's phase times", () => {
    let t = 0;
    const p = new ProgressTracker(["a", "b", "c"], { a: 10_000, b: 20_000, c: 30_000 }, () => t);
    p.enter("a");
    t = 10_000;
    p.finish("a");
    p.enter("b");
    t = 15_000;
    const s = p.snapshot();
    expect(s.index).toBe(2);
    expect(s.etaMs).toBe(15_000 + 30_000);
    expect(s.fraction).toBeCloseTo(15 / 60);
    expect(p.timings()).toEqual({ a: 10_000 });
  });

  it("never estimates below zero when a phase runs long", () => {
    let t = 0;
    const p = new ProgressTracker(["a", "b"], { a: 1000, b: 1000 }, () => t);
    p.enter("a");
    t = 5000;
    expect(p.snapshot().etaMs).toBe(1000);
  });
});
