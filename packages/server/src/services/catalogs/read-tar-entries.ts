/**
 * A minimal streaming tar reader (ustar, GNU long names, pax path/linkpath/size)
 * over a possibly gzipped byte stream. `extract-tar-safely.ts` is the only
 * caller, so swapping it for a library reader touches one file.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { AppError } from "../../app-error.ts";

/** One archive member, its body still unread (call `body` exactly once or not at all). */
export interface TTarEntry {
  /** Path as stored (pax/GNU long names applied), not yet normalised. */
  name: string;
  /** Tar type flag: "0" file, "1" hard link, "2" symlink, "3"/"4" device, "5" dir, "6" fifo… */
  type: string;
  mode: number;
  size: number;
  /** Link target for symlinks and hard links. */
  linkname: string;
}

const BLOCK = 512;
/** Largest pax or GNU long-name record accepted (they are read into memory). */
const MAX_META_BYTES = 1 << 20;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Pulls exact byte counts out of an async iterator of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private ended = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.have < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer only at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    return out;
  }

  /** Hands n bytes to `sink` piece by piece; false when the stream ends first. */
  async pipe(n: number, sink: (piece: Buffer) => Promise<void> | void): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.have === 0) await this.fill(1);
      const head = this.chunks[0];
      if (!head) return false;
      const piece = head.subarray(0, Math.min(left, head.length));
      if (piece.length === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(piece.length);
      this.have -= piece.length;
      left -= piece.length;
      await sink(piece);
    }
    return true;
  }
}

/**
 * Reads entries one by one. `onEntry` must consume the body through `readBody`
 * before returning if it wants it; unread bodies are skipped.
 */
export async function readTarEntries(
  source: AsyncIterable<Uint8Array>,
  what: string,
  onEntry: (
    entry: TTarEntry,
    readBody: (sink: (piece: Buffer) => Promise<void> | void) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  const { chunks, close } = await maybeGunzip(source, what);
  try {
    const reader = new ByteReader(chunks[Symbol.asyncIterator]());
    const truncated = () =>
      new AppError("INVALID_INPUT", `${what} rejected: the archive is truncated`, "file");
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    let first = true;
    for (;;) {
      const header = await reader.take(BLOCK);
      if (header.length === 0 && !first) return; // tolerated: no end-of-archive blocks
      if (header.length < BLOCK) throw truncated();
      if (header.every((b) => b === 0)) return;
      const h = parseHeader(header, what, first);
      first = false;
      const padded = Math.ceil(h.size / BLOCK) * BLOCK;
      if (h.type === "x" || h.type === "g" || h.type === "L" || h.type === "K") {
        if (h.size > MAX_META_BYTES) {
          throw new AppError(
            "INVALID_INPUT",
            `${what} rejected: a ${h.type} header is larger than ${MAX_META_BYTES} bytes`,
            "file",
          );
        }
        const body = await reader.take(padded);
        if (body.length < padded) throw truncated();
        const data = body.subarray(0, h.size);
        if (h.type === "x") pax = parsePax(data, what);
        else if (h.type === "L") longName = cString(data, what);
        else if (h.type === "K") longLink = cString(data, what);
        // Global pax headers ("g") carry nothing Kiln uses.
        continue;
      }
      const size = pax.size !== undefined ? Number(pax.size) : h.size;
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new AppError(
          "INVALID_INPUT",
          `${what} rejected: entry '${h.name}' has a bad size`,
          "file",
        );
      }
      const entry: TTarEntry = {
        name: pax.path ?? longName ?? h.name,
        linkname: pax.linkpath ?? longLink ?? h.linkname,
        type: h.type,
        mode: h.mode,
        // Links, dirs and devices carry no body, whatever the size field says.
        size: h.type === "0" || h.type === "7" ? size : 0,
      };
      pax = {};
      longName = longLink = undefined;
      let consumed = false;
      await onEntry(entry, async (sink) => {
        consumed = true;
        if (!(await reader.pipe(entry.size, sink))) throw truncated();
      });
      const skip =
        (consumed ? 0 : entry.size) + (Math.ceil(entry.size / BLOCK) * BLOCK - entry.size);
      if (!(await reader.pipe(skip, () => {}))) throw truncated();
    }
  } finally {
    close();
  }
}

interface RawHeader {
  name: string;
  mode: number;
  size: number;
  type: string;
  linkname: string;
}

function parseHeader(b: Buffer, what: string, first: boolean): RawHeader {
  const stored = parseNumber(b.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (b[i] as number);
  if (stored !== sum) {
    const detail = first ? "is not a tar archive (or .tar.gz)" : "has a corrupt tar header";
    throw new AppError("INVALID_INPUT", `${what} rejected: the file ${detail}`, "file");
  }
  const magic = b.subarray(257, 263).toString("latin1");
  let name = cString(b.subarray(0, 100), what);
  // Only POSIX ustar has a prefix field; GNU tar keeps times there.
  if (magic === "ustar\0") {
    const prefix = cString(b.subarray(345, 500), what);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeByte = b[156] as number;
  return {
    name,
    mode: parseNumber(b.subarray(100, 108)),
    size: parseNumber(b.subarray(124, 136)),
    type: typeByte === 0 ? "0" : String.fromCharCode(typeByte),
    linkname: cString(b.subarray(157, 257), what),
  };
}

/** Octal (NUL/space padded) or GNU base-256 for big values. */
function parseNumber(field: Buffer): number {
  if (((field[0] as number) & 0x80) !== 0) {
    let v = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + (field[i] as number);
    return v;
  }
  const text = field
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function cString(field: Buffer, what: string): string {
  const end = field.indexOf(0);
  return decodeUtf8(end >= 0 ? field.subarray(0, end) : field, what, "an entry name");
}

function parsePax(data: Buffer, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space > at ? parseInt(data.subarray(at, space).toString("latin1"), 10) : NaN;
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length) {
      throw new AppError("INVALID_INPUT", `${what} rejected: a pax header is malformed`, "file");
    }
    const record = decodeUtf8(data.subarray(space + 1, at + len - 1), what, "a pax header");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** Strict UTF-8: an archive whose names do not decode is refused, naming the part. */
function decodeUtf8(bytes: Buffer, what: string, part: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppError("INVALID_INPUT", `${what} rejected: ${part} is not valid UTF-8`, "file");
  }
}

/** Sniffs the first bytes: gzip is inflated, plain tar passes, xz/bzip2 are refused by name. */
async function maybeGunzip(
  source: AsyncIterable<Uint8Array>,
  what: string,
): Promise<{ chunks: AsyncIterable<Buffer>; close: () => void }> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 6 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else {
      const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      head.push(b);
      headLen += b.length;
    }
  }
  const start = Buffer.concat(head);
  if (start.length === 0)
    throw new AppError("INVALID_INPUT", `${what} rejected: the file is empty`, "file");
  async function* all(): AsyncGenerator<Buffer> {
    yield start;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
  }
  if (
    start.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])) ||
    start.subarray(0, 3).toString("latin1") === "BZh"
  ) {
    throw new AppError(
      "INVALID_INPUT",
      `${what} rejected: only .tar and .tar.gz archives are accepted`,
      "file",
    );
  }
  if (start[0] !== 0x1f || start[1] !== 0x8b)
    return { chunks: all(), close: () => void it.return?.() };
  const gunzip = zlib.createGunzip();
  let failure: unknown;
  const piping = pipeline(Readable.from(all()), gunzip).catch((err: unknown) => {
    failure = err;
  });
  async function* inflated(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (err) {
      await piping;
      const cause = failure ?? err;
      if (cause instanceof AppError) throw cause;
      throw new AppError(
        "INVALID_INPUT",
        `${what} rejected: the file is not valid gzip (${(cause as Error).message})`,
        "file",
        { cause },
      );
    }
    await piping;
    if (failure instanceof AppError) throw failure;
  }
  return {
    chunks: inflated(),
    close: () => {
      // Stop inflating once the archive's end is read: trailing bytes are never expanded.
      gunzip.destroy();
    },
  };
}
