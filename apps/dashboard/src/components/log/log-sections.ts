import type { TBuildEvent } from "@kiln/contracts/build-event";

/** A foldable range of log lines: a phase, or a hook inside one. */
export interface TLogSection {
  key: string;
  kind: "phase" | "hook";
  title: string;
  /** First line (inclusive). */
  start: number;
  /** Line after the last (exclusive). */
  end: number;
  failed: boolean;
  durationMs?: number;
}

/** The failure as the build records it, to mark the failing hook. */
export interface TFailure {
  phase: string | null;
  element: string | null;
  script: string | null;
}

/**
 * Folds from the build's events. Each phase/hook event may carry `logOffset`
 * (bytes of log written before it, stamped by the agent gateway); events
 * without one cannot be placed and give no fold. A section still open (a
 * running build) runs to the end of the log.
 */
export function computeLogSections(
  events: { seq: number; event: TBuildEvent }[],
  lineAt: (offset: number) => number,
  lineCount: number,
  failure: TFailure | null,
): TLogSection[] {
  const out: TLogSection[] = [];
  let phase: TLogSection | undefined;
  let hook: TLogSection | undefined;
  const close = (s: TLogSection | undefined, offset: number | undefined) => {
    if (s) s.end = Math.max(s.start, offset === undefined ? lineCount : lineAt(offset));
  };
  for (const { seq, event } of events) {
    const offset = (event as { logOffset?: unknown }).logOffset;
    if (typeof offset !== "number") continue;
    switch (event.type) {
      case "phase.started":
        close(hook, offset);
        close(phase, offset);
        hook = undefined;
        phase = {
          key: `p${seq}`,
          kind: "phase",
          title: `${event.phase} (${event.where}, ${event.hooks} hook${event.hooks === 1 ? "" : "s"})`,
          start: lineAt(offset),
          end: lineCount,
          failed: false,
        };
        out.push(phase);
        break;
      case "phase.finished":
        close(hook, offset);
        hook = undefined;
        if (phase) {
          close(phase, offset);
          phase.durationMs = event.durationMs;
          phase.failed = !event.ok;
          phase = undefined;
        }
        break;
      case "hook.started":
        close(hook, offset);
        hook = {
          key: `h${seq}`,
          kind: "hook",
          title: `${event.element}/${event.script}`,
          start: lineAt(offset),
          end: lineCount,
          failed: isFailing(failure, event.phase, event.element, event.script),
        };
        out.push(hook);
        break;
      case "hook.finished":
        if (hook) {
          close(hook, offset);
          hook.durationMs = event.durationMs;
          hook.failed ||= event.exitCode !== 0;
          hook = undefined;
        }
        break;
      default:
        break;
    }
  }
  return out;
}

function isFailing(f: TFailure | null, phase: string, element: string, script: string): boolean {
  return !!f && f.phase === phase && f.element === element && f.script === script;
}

/**
 * The rows to display: line indexes (≥ 0) and section headers (-(i+1)),
 * skipping the lines of collapsed sections. Sections nest (hooks in phases)
 * and are ordered by start.
 */
export function layoutRows(
  lineCount: number,
  sections: TLogSection[],
  collapsed: ReadonlySet<string>,
): Int32Array {
  const rows = new Int32Array(lineCount + sections.length);
  let n = 0;
  let line = 0;
  let s = 0;
  while (line < lineCount || s < sections.length) {
    const next = sections[s];
    if (next && next.start <= line) {
      rows[n++] = -(s + 1);
      if (collapsed.has(next.key)) {
        line = Math.max(line, next.end);
        // Skip sections nested in the collapsed one.
        s++;
        while (s < sections.length && sections[s]!.start < next.end) s++;
        continue;
      }
      s++;
      continue;
    }
    if (line >= lineCount) break;
    const stop = next ? Math.min(next.start, lineCount) : lineCount;
    while (line < stop) rows[n++] = line++;
  }
  return rows.subarray(0, n);
}
