import { describe, expect, it } from "vitest";
import { formatDuration, jsonRenderer, textRenderer } from "./render-events.ts";

describe("textRenderer", () => {
  it("prints timestamped lines and keeps a status line on a TTY", () => {
    let out = "";
    const r = textRenderer({
      write: (s) => (out += s),
      tty: true,
      now: () => Date.UTC(2026, 0, 1, 12, 0, 0),
    });
    r.onEvent({
      type: "phase.started",
      t: 0,
      phase: "install.d",
      index: 4,
      total: 10,
      where: "chroot",
      hooks: 3,
    });
    r.onEvent({
      type: "progress",
      t: 0,
      index: 4,
      total: 10,
      phase: "install.d",
      elapsedMs: 65_000,
      etaMs: 30_000,
      fraction: 0.4,
    });
    r.onEvent({ type: "hook.started", t: 0, phase: "install.d", element: "base", script: "10-x" });
    expect(out).toContain("2026-01-01 12:00:00.000 | Phase 4/10 install.d (chroot, 3 hooks)\n");
    expect(out).toContain("[4/10] install.d — 1m05s elapsed, ETA 30s");
    // The status line is erased before each new log line and redrawn after it.
    expect(out).toContain("\r\x1b[2K2026-01-01 12:00:00.000 | Running install.d/10-x (base)\n");
    expect(out.endsWith("[4/10] install.d 10-x — 1m05s elapsed, ETA 30s\x1b[0m")).toBe(true);
    r.close();
    expect(out.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("prints no control characters when not a TTY", () => {
    let out = "";
    const r = textRenderer({ write: (s) => (out += s), tty: false });
    r.onEvent({
      type: "progress",
      t: 0,
      index: 1,
      total: 10,
      phase: "root.d",
      elapsedMs: 0,
      fraction: 0,
    });
    r.onEvent({ type: "log", t: 0, stream: "stdout", line: "hello" });
    expect(out).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| hello\n$/);
  });
});

describe("jsonRenderer", () => {
  it("prints one event per line", () => {
    let out = "";
    const r = jsonRenderer((s) => (out += s));
    r.onEvent({ type: "step", t: 1, name: "outputs" });
    expect(JSON.parse(out)).toEqual({ type: "step", t: 1, name: "outputs" });
  });
});

describe("formatDuration", () => {
  it("formats seconds and minutes", () => {
    expect(formatDuration(4_400)).toBe("4s");
    expect(formatDuration(125_000)).toBe("2m05s");
  });
});
