import { describe, expect, it } from "vitest";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { LogBuffer } from "./log-buffer.ts";
import { failingSection, findLine, rowOfLine, sectionsAround } from "./log-navigation.ts";
import { computeLogSections, layoutRows } from "./log-sections.ts";

type TEnd = { durationMs: number; exitCode?: number; ok?: boolean };

/** A log of `n` lines per hook with events carrying logOffset, as the seeded builds do. */
function fixture() {
  const log = new LogBuffer();
  const events: { seq: number; event: TBuildEvent }[] = [];
  let text = "";
  const emit = (e: Record<string, unknown>) =>
    events.push({
      seq: events.length,
      event: { ...e, t: 0, logOffset: Buffer.byteLength(text) } as unknown as TBuildEvent,
    });
  // A hook that writes `lines`, and a phase around one hook: their events as an agent sends them.
  const hook = (phase: string, element: string, script: string, lines: string, end: TEnd) => {
    emit({ type: "hook.started", phase, element, script });
    text += lines;
    emit({ type: "hook.finished", phase, element, script, ...end });
  };
  const phase = (name: string, index: number, where: string, body: () => void, end: TEnd) => {
    emit({ type: "phase.started", phase: name, index, total: 2, where, hooks: 1 });
    body();
    emit({ type: "phase.finished", phase: name, ...end });
  };
  text += "header\n";
  const hookA = () => hook("root.d", "a", "10-a", "a1\na2\n", { exitCode: 0, durationMs: 5 });
  phase("root.d", 1, "host", hookA, { durationMs: 6, ok: true });
  const hookB = () =>
    hook("install.d", "b", "20-b", "b1\nb2\nb3\n", { exitCode: 3, durationMs: 7 });
  phase("install.d", 2, "chroot", hookB, { durationMs: 8, ok: false });
  log.append(0, new TextEncoder().encode(text));
  return { log, events };
}

describe("computeLogSections and layoutRows", () => {
  it("makes a fold per phase and hook from the events' log offsets, marking the failing hook", () => {
    const { log, events } = fixture();
    const sections = computeLogSections(events, (o) => log.lineAt(o), log.lineCount, {
      phase: "install.d",
      element: "b",
      script: "20-b",
    });
    expect(sections.map((s) => [s.kind, s.start, s.end, s.failed])).toEqual([
      ["phase", 1, 3, false],
      ["hook", 1, 3, false],
      ["phase", 3, 6, true],
      ["hook", 3, 6, true],
    ]);
    expect(sections[3]!.title).toBe("b/20-b");
  });

  it("lays out headers before their lines and hides collapsed ones, nested hooks included", () => {
    const { log, events } = fixture();
    const sections = computeLogSections(events, (o) => log.lineAt(o), log.lineCount, null);
    expect([...layoutRows(log.lineCount, sections, new Set())]).toEqual([
      0, -1, -2, 1, 2, -3, -4, 3, 4, 5,
    ]);
    expect([...layoutRows(log.lineCount, sections, new Set([sections[0]!.key]))]).toEqual([
      0, -1, -3, -4, 3, 4, 5,
    ]);
    expect([...layoutRows(log.lineCount, sections, new Set([sections[3]!.key]))]).toEqual([
      0, -1, -2, 1, 2, -3, -4,
    ]);
  });

  it("gives no folds when events carry no log offsets", () => {
    const { log } = fixture();
    const events = [
      {
        seq: 0,
        event: {
          type: "phase.started",
          t: 0,
          phase: "root.d",
          index: 1,
          total: 1,
          where: "host",
          hooks: 0,
        } as TBuildEvent,
      },
    ];
    expect(computeLogSections(events, (o) => log.lineAt(o), log.lineCount, null)).toEqual([]);
  });

  it("lays out 200k lines with a fold closed: the fold's lines are gone, its header stays", () => {
    const sections = Array.from({ length: 100 }, (_, i) => ({
      key: `s${i}`,
      kind: "hook" as const,
      title: "",
      start: i * 2000,
      end: (i + 1) * 2000,
      failed: false,
    }));
    // Speed is the browser test's and bench's business; here, the shape.
    const rows = layoutRows(200_000, sections, new Set(["s5"]));
    expect(rows.length).toBe(200_000 + 100 - 2000);
  });
});

describe("log navigation", () => {
  const lines = ["header", "a1", "a2", "b1", "b2", "b3"];
  const log = { lineCount: lines.length, line: (i: number) => lines[i]! };

  it("finds the next line with the text, ignoring case and wrapping, backwards too", () => {
    expect(findLine(log, "B", undefined)).toBe(3);
    expect(findLine(log, "b", 3)).toBe(4);
    expect(findLine(log, "b", 5)).toBe(3);
    expect(findLine(log, "a", undefined, true)).toBe(2);
    expect(findLine(log, "a", 1, true)).toBe(0); // "header" has an a
    expect(findLine(log, "b", 3, true)).toBe(5);
    expect(findLine(log, "zzz", undefined)).toBeUndefined();
    expect(findLine(log, "", undefined)).toBeUndefined();
  });

  it("maps a line to its row, past folded headers, and names the folds around it", () => {
    const { log: buffer, events } = fixture();
    const sections = computeLogSections(events, (o) => buffer.lineAt(o), buffer.lineCount, {
      phase: "install.d",
      element: "b",
      script: "20-b",
    });
    const rows = layoutRows(buffer.lineCount, sections, new Set());
    // header, [root.d], [10-a], a1, a2, [install.d], [20-b], b1, b2, b3
    expect(rowOfLine(rows, sections, 0)).toBe(0);
    expect(rowOfLine(rows, sections, 1)).toBe(3);
    expect(rowOfLine(rows, sections, 4)).toBe(8);
    expect(rowOfLine(rows, sections, 99)).toBe(rows.length - 1);
    expect(failingSection(sections)?.title).toContain("20-b");
    expect(sectionsAround(sections, 4)).toEqual([sections[2]!.key, sections[3]!.key]);
  });
});
