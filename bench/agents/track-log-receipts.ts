// The browsers' side of the agents bench: log pieces of the sampled builds'
// builds.onLog subscriptions, split into lines, each line's latency taken as
// receipt time − the time its agent wrote it.
import { parseLine } from "./bench-support.ts";

export class LogReceipts {
  /** Latency (ms) of lines written in the window, by who wrote them. */
  readonly latency = { simulated: [] as number[], real: [] as number[] };
  /** Lines of the window received, per agent index. */
  readonly receivedByAgent = new Map<number, number>();
  /** Lines out of order or missing between two received ones. */
  gaps = 0;
  private readonly lastLine = new Map<number, number>();
  private readonly carry = new Map<string, string>();
  private window = { start: Infinity, end: -Infinity };

  constructor(private readonly realAgent: number) {}

  setWindow(start: number, end: number): void {
    this.window = { start, end };
  }

  piece(buildId: string, text: string): void {
    const now = Date.now();
    // A piece ends on a chunk boundary; keep a split line for the next one.
    const lines = ((this.carry.get(buildId) ?? "") + text).split("\n");
    this.carry.set(buildId, lines.pop()!);
    for (const line of lines) {
      const l = parseLine(line);
      if (!l) continue;
      const prev = this.lastLine.get(l.agent);
      if (prev !== undefined && l.lineNo !== prev + 1) this.gaps++;
      this.lastLine.set(l.agent, l.lineNo);
      if (l.sentAt < this.window.start || l.sentAt >= this.window.end) continue;
      this.receivedByAgent.set(l.agent, (this.receivedByAgent.get(l.agent) ?? 0) + 1);
      (l.agent === this.realAgent ? this.latency.real : this.latency.simulated).push(
        now - l.sentAt,
      );
    }
  }

  /** Simulated agents seen on the sampled builds (their lines are expected in full). */
  sampledAgents(): number[] {
    return [...this.lastLine.keys()].filter((a) => a !== this.realAgent);
  }

  /**
   * Lines written in the window on sampled builds but not received by the end:
   * they count as infinitely late, so a server that falls behind cannot hide it
   * by leaving its slowest lines out of the percentiles.
   */
  countUndelivered(writtenByAgent: Record<number, number>): number {
    let missing = 0;
    for (const a of this.sampledAgents()) {
      missing += Math.max(0, (writtenByAgent[a] ?? 0) - (this.receivedByAgent.get(a) ?? 0));
    }
    for (let i = 0; i < missing; i++) this.latency.simulated.push(Infinity);
    return missing;
  }

  get received(): number {
    return this.latency.simulated.filter(Number.isFinite).length + this.latency.real.length;
  }
}
