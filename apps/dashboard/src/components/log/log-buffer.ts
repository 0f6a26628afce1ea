/**
 * A build log as lines, filled by byte ranges in order (the initial reads,
 * then live chunks). Keeps each line's starting byte offset so events that
 * carry a `logOffset` can be placed on a line (folds by phase and hook).
 * Plain arrays: 200k lines cost ~20 MB and appending is amortised O(1).
 */
export class LogBuffer {
  readonly lines: string[] = [];
  /** Byte offset of each line's first byte. */
  readonly offsets: number[] = [];
  /** Bytes consumed so far (the next expected offset). */
  bytes = 0;
  private partial = "";
  private partialStart = 0;
  private decoder = new TextDecoder("utf-8");
  /** Bumped on every change, for React. */
  version = 0;

  /** Append bytes that start at `offset`; out-of-order or duplicate data is ignored (returns false). */
  append(offset: number, data: Uint8Array): boolean {
    if (offset > this.bytes) return false; // a gap: the caller re-reads the range
    const skip = this.bytes - offset;
    if (skip >= data.length) return false;
    const fresh = skip ? data.subarray(skip) : data;
    let lineStart = this.partialStart;
    let byteAt = this.bytes;
    // Walk bytes for newlines so offsets stay exact for multi-byte text.
    let from = 0;
    for (let i = 0; i < fresh.length; i++) {
      if (fresh[i] !== 10) continue;
      const text = this.partial + this.decoder.decode(fresh.subarray(from, i), { stream: true });
      this.decoder = new TextDecoder("utf-8");
      this.lines.push(stripCr(text));
      this.offsets.push(lineStart);
      this.partial = "";
      from = i + 1;
      lineStart = byteAt + i + 1;
    }
    if (from < fresh.length)
      this.partial += this.decoder.decode(fresh.subarray(from), { stream: true });
    this.partialStart = lineStart;
    this.bytes = byteAt + fresh.length;
    byteAt = this.bytes;
    this.version++;
    return true;
  }

  /** Lines including the unfinished last one (a running build's current line). */
  get lineCount(): number {
    return this.lines.length + (this.partial ? 1 : 0);
  }

  line(i: number): string {
    return i < this.lines.length ? this.lines[i]! : this.partial;
  }

  offsetOf(i: number): number {
    return i < this.offsets.length ? this.offsets[i]! : this.partialStart;
  }

  /**
   * The first line starting at or after byte `offset` (lineCount when none):
   * where a phase or hook that began at that offset shows its first line.
   */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsetOf(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function stripCr(s: string): string {
  return s.endsWith("\r") ? s.slice(0, -1) : s;
}
