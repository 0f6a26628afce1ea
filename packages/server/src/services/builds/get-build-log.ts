import { concatBytes } from "@kiln/contracts/bytes";
import type { Actor, ServerDeps } from "../../context.ts";
import { findReadableBuild } from "./build-access.ts";

export interface TLogRange {
  /** The bytes from `from` (at most `maxBytes`, ending on a whole UTF-8 character). */
  data: Uint8Array;
  from: number;
  /** Where the next read starts. */
  nextOffset: number;
  /** Bytes stored so far for the build. */
  totalBytes: number;
}

/** A byte range of a build's log, from its stored chunks. */
export async function getBuildLog(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; from?: number; maxBytes?: number },
): Promise<TLogRange> {
  const build = await findReadableBuild(deps, actor, input.buildId);
  return readLogRange(deps, build.id, input.from ?? 0, input.maxBytes ?? 1 << 20, build.logBytes);
}

/** Reads without an access check (the caller has made one). */
export async function readLogRange(
  deps: ServerDeps,
  buildId: string,
  from: number,
  maxBytes: number,
  totalBytes: number,
): Promise<TLogRange> {
  const p = deps.db.prisma;
  // The chunk containing `from` may start before it; the rest start at or after it.
  const head = await p.logChunk.findFirst({
    where: { buildId, offset: { lte: from } },
    orderBy: { offset: "desc" },
  });
  const parts: Uint8Array[] = [];
  let size = 0;
  let at = from;
  const take = (offset: number, data: Uint8Array) => {
    if (offset > at) return false; // a gap: chunks not received yet
    const slice = data.subarray(
      at - offset,
      Math.min(data.length, at - offset + (maxBytes - size)),
    );
    if (slice.length === 0) return true;
    parts.push(slice);
    size += slice.length;
    at += slice.length;
    return size < maxBytes;
  };
  if (head) take(head.offset, head.data);
  if (size < maxBytes) {
    let cursor = from;
    for (;;) {
      const rows = await p.logChunk.findMany({
        where: { buildId, offset: { gt: cursor } },
        orderBy: { offset: "asc" },
        take: 200,
      });
      let go = true;
      for (const r of rows) if (!(go = take(r.offset, r.data))) break;
      if (!go || rows.length < 200) break;
      cursor = rows.at(-1)!.offset;
    }
  }
  let data = concat(parts, size);
  if (at < totalBytes) {
    // More follows: stop before a split multi-byte character so every read decodes cleanly.
    const cut = incompleteUtf8Tail(data);
    if (cut > 0 && cut < data.length) data = data.subarray(0, data.length - cut);
  }
  return { data, from, nextOffset: from + data.length, totalBytes };
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  return parts.length === 1 ? parts[0]! : concatBytes(parts, size);
}

/** Bytes at the end that start a UTF-8 character not finished in `data`. */
function incompleteUtf8Tail(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const b = data[data.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
