/**
 * Append-only on-disk spool of one build's log bytes and events, so a build
 * keeps going while the server is unreachable and everything after the
 * server's last stored seq can be resent on reconnect.
 */
import fs from "node:fs";
import path from "node:path";
import type { TBuildEvent } from "@kiln/contracts/build-event";

export interface TSpooledChunk {
  seq: number;
  offset: number;
  data: Buffer;
}

export class BuildSpool {
  /** log.bin holds the build's log exactly as the server must store it. */
  readonly logFile: string;
  private readonly chunksFile: string;
  private readonly eventsFile: string;
  private readonly chunks: { offset: number; length: number }[] = [];
  private readonly events: string[] = [];
  private bytes = 0;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.logFile = path.join(dir, "log.bin");
    this.chunksFile = path.join(dir, "chunks.jsonl");
    this.eventsFile = path.join(dir, "events.jsonl");
    for (const f of [this.logFile, this.chunksFile, this.eventsFile]) fs.writeFileSync(f, "");
  }

  get lastLogSeq(): number | null {
    return this.chunks.length ? this.chunks.length - 1 : null;
  }

  get lastEventSeq(): number | null {
    return this.events.length ? this.events.length - 1 : null;
  }

  get logBytes(): number {
    return this.bytes;
  }

  appendChunk(data: Buffer): TSpooledChunk {
    const chunk = { seq: this.chunks.length, offset: this.bytes, data };
    fs.appendFileSync(this.logFile, data);
    fs.appendFileSync(
      this.chunksFile,
      `${JSON.stringify({ seq: chunk.seq, offset: chunk.offset, length: data.length })}\n`,
    );
    this.chunks.push({ offset: chunk.offset, length: data.length });
    this.bytes += data.length;
    return chunk;
  }

  appendEvent(event: TBuildEvent): number {
    const line = JSON.stringify(event);
    fs.appendFileSync(this.eventsFile, `${line}\n`);
    this.events.push(line);
    return this.events.length - 1;
  }

  /** Chunks with seq > `after` (all when null), read back from disk. */
  chunksAfter(after: number | null): TSpooledChunk[] {
    const from = after === null ? 0 : after + 1;
    if (from >= this.chunks.length) return [];
    const fd = fs.openSync(this.logFile, "r");
    try {
      return this.chunks.slice(from).map((c, i) => {
        const data = Buffer.alloc(c.length);
        fs.readSync(fd, data, 0, c.length, c.offset);
        return { seq: from + i, offset: c.offset, data };
      });
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Events with seq > `after`. */
  eventsAfter(after: number | null): { seq: number; event: TBuildEvent }[] {
    const from = after === null ? 0 : after + 1;
    return this.events
      .slice(from)
      .map((line, i) => ({ seq: from + i, event: JSON.parse(line) as TBuildEvent }));
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
