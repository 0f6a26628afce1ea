import type { TPhase } from "@kiln/contracts/phases";

/** Per-phase durations (ms) of an earlier build, the basis for ETAs. */
export type PhaseTimings = Partial<Record<string, number>>;

/**
 * Tracks where a build is and estimates what is left: phases i/N, elapsed,
 * and an ETA from the same recipe's last successful build when there is one
 * (the remaining phases' earlier durations, plus what is left of the current
 * one), else none.
 */
export class ProgressTracker {
  private readonly start: number;
  private current = 0;
  private currentStart: number;
  private readonly done = new Map<string, number>();

  constructor(
    private readonly stages: readonly string[],
    private readonly history: PhaseTimings | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
    this.currentStart = this.start;
  }

  /** Enter a stage (a phase or a named step such as "block-device"). */
  enter(stage: TPhase | string): void {
    const i = this.stages.indexOf(stage);
    if (i >= 0) this.current = i;
    this.currentStart = this.now();
  }

  /** Record a finished stage's duration (for the next build's ETAs). */
  finish(stage: string): void {
    this.done.set(stage, this.now() - this.currentStart);
  }

  /** Durations recorded so far. */
  timings(): PhaseTimings {
    return Object.fromEntries(this.done);
  }

  snapshot(): {
    index: number;
    total: number;
    elapsedMs: number;
    etaMs?: number;
    fraction: number;
  } {
    const now = this.now();
    const elapsedMs = now - this.start;
    const total = this.stages.length;
    const base = { index: this.current + 1, total, elapsedMs };
    const history = this.history;
    if (!history || this.stages.some((s) => history[s] === undefined)) {
      return { ...base, fraction: this.current / total };
    }
    const inCurrent = now - this.currentStart;
    const currentEstimate = history[this.stages[this.current] as string] ?? 0;
    let remaining = Math.max(0, currentEstimate - inCurrent);
    for (const s of this.stages.slice(this.current + 1)) remaining += history[s] ?? 0;
    const fraction = elapsedMs + remaining > 0 ? elapsedMs / (elapsedMs + remaining) : 0;
    return { ...base, etaMs: remaining, fraction: Math.min(1, fraction) };
  }
}
