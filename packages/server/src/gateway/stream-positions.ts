import type { ServerDeps } from "../context.ts";

/**
 * The last seq stored without gaps, per build and stream (log chunks, build
 * events): what cumulative acks and WELCOME resume points report. Kept in
 * memory per connection and seeded from the database on first use, so an
 * ack costs no query.
 */
export class StreamPositions {
  private readonly streams = new Map<string, { next: number; ahead: Set<number> }>();

  constructor(private readonly deps: ServerDeps) {}

  /** Records a stored seq; returns the new contiguous last seq (null: none yet). */
  async stored(stream: "log" | "event", buildId: string, seq: number): Promise<number | null> {
    const s = await this.load(stream, buildId);
    if (seq >= s.next) s.ahead.add(seq);
    while (s.ahead.delete(s.next)) s.next++;
    return s.next > 0 ? s.next - 1 : null;
  }

  async last(stream: "log" | "event", buildId: string): Promise<number | null> {
    const s = await this.load(stream, buildId);
    return s.next > 0 ? s.next - 1 : null;
  }

  /** Forget a build (finished, or requeued so its streams restart at 0). */
  forget(buildId: string): void {
    this.streams.delete(`log:${buildId}`);
    this.streams.delete(`event:${buildId}`);
  }

  private async load(stream: "log" | "event", buildId: string) {
    const key = `${stream}:${buildId}`;
    let s = this.streams.get(key);
    if (s) return s;
    const p = this.deps.db.prisma;
    const where = { where: { buildId }, select: { seq: true }, orderBy: { seq: "asc" as const } };
    const rows =
      stream === "log" ? await p.logChunk.findMany(where) : await p.buildEvent.findMany(where);
    // Another await may have filled it meanwhile.
    s = this.streams.get(key) ?? { next: 0, ahead: new Set<number>() };
    for (const r of rows) if (r.seq >= s.next) s.ahead.add(r.seq);
    while (s.ahead.delete(s.next)) s.next++;
    this.streams.set(key, s);
    return s;
  }
}
