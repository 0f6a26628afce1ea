import type { ServerDeps } from "../../context.ts";

/** A build's two streams an agent sends and the server acknowledges cumulatively. */
export type TStream = "log" | "event";

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
  async stored(stream: TStream, buildId: string, seq: number): Promise<number | null> {
    const position = await this.load(stream, buildId);
    if (seq >= position.next) position.ahead.add(seq);
    while (position.ahead.delete(position.next)) position.next++;
    return position.next > 0 ? position.next - 1 : null;
  }

  async last(stream: TStream, buildId: string): Promise<number | null> {
    const position = await this.load(stream, buildId);
    return position.next > 0 ? position.next - 1 : null;
  }

  /** Forget a build (finished, or requeued so its streams restart at 0). */
  forget(buildId: string): void {
    this.streams.delete(`log:${buildId}`);
    this.streams.delete(`event:${buildId}`);
  }

  private async load(stream: TStream, buildId: string) {
    const key = `${stream}:${buildId}`;
    let position = this.streams.get(key);
    if (position) return position;
    const prisma = this.deps.db.prisma;
    const query = { where: { buildId }, select: { seq: true }, orderBy: { seq: "asc" as const } };
    const rows =
      stream === "log"
        ? await prisma.logChunk.findMany(query)
        : await prisma.buildEvent.findMany(query);
    // Another await may have filled it meanwhile.
    position = this.streams.get(key) ?? { next: 0, ahead: new Set<number>() };
    for (const row of rows) if (row.seq >= position.next) position.ahead.add(row.seq);
    while (position.ahead.delete(position.next)) position.next++;
    this.streams.set(key, position);
    return position;
  }
}
