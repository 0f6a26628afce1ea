/** Finding places in the log viewer: rows of lines, search hits, the failing hook, folds to open. */
import type { TLogSection } from "./log-sections";

/** The row showing `line`, or the nearest row after it (the last row past the end). */
export function rowOfLine(rows: Int32Array, sections: TLogSection[], line: number): number {
  // Rows ascend by line; a header sits just before its section's first line.
  const valueAt = (i: number) => {
    const row = rows[i]!;
    return row >= 0 ? row : sections[-row - 1]!.start - 0.5;
  };
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (valueAt(mid) < line) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, Math.max(0, rows.length - 1));
}

/**
 * The next line after `from` (before it, `backwards`) containing `query`,
 * ignoring case and wrapping around; undefined when no line has it. Without
 * `from` the search starts at the top (at the bottom, backwards).
 */
export function findLine(
  log: { lineCount: number; line(index: number): string },
  query: string,
  from: number | undefined,
  backwards = false,
): number | undefined {
  if (!query) return undefined;
  const needle = query.toLowerCase();
  const count = log.lineCount;
  const start = from ?? (backwards ? count : -1);
  for (let step = 1; step <= count; step++) {
    const index = (((start + (backwards ? -step : step)) % count) + count) % count;
    if (log.line(index).toLowerCase().includes(needle)) return index;
  }
  return undefined;
}

/** The failing hook's section, else the failing phase's. */
export function failingSection(sections: TLogSection[]): TLogSection | undefined {
  return sections.find((s) => s.kind === "hook" && s.failed) ?? sections.find((s) => s.failed);
}

/** The keys of the sections that contain `line` (the folds to open to show it). */
export function sectionsAround(sections: TLogSection[], line: number): string[] {
  return sections.filter((s) => s.start <= line && line < s.end).map((s) => s.key);
}
