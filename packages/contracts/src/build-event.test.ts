import { describe, expect, it } from "vitest";
import { BUILD_EVENT_TYPES, ZBuildEvent } from "./build-event.ts";
import { SAMPLE_EVENTS } from "./testing/sample-events.ts";

describe("ZBuildEvent", () => {
  it("accepts one of every variant unchanged", () => {
    expect(SAMPLE_EVENTS.map((e) => e.type).sort()).toEqual([...BUILD_EVENT_TYPES].sort());
    for (const e of SAMPLE_EVENTS) expect(ZBuildEvent.parse(e), e.type).toEqual(e);
  });

  it("refuses unknown types, unknown phases and out-of-range progress", () => {
    const bad: unknown[] = [
      { type: "build.paused", t: 1 },
      { type: "phase.finished", t: 1, phase: "bogus.d", durationMs: 1, ok: true },
      { ...SAMPLE_EVENTS[7], fraction: 1.5 },
      { ...SAMPLE_EVENTS[4], exitCode: 1.5 },
      { ...SAMPLE_EVENTS[9], status: "exploded" },
    ];
    for (const e of bad) expect(ZBuildEvent.safeParse(e).success, JSON.stringify(e)).toBe(false);
  });
});
