import { gzipSync } from "node:zlib";

/** One archive member: a file (with text), a directory, or a symlink. */
export type TTarEntry =
  | { name: string; type: "file"; content: string; mode?: number }
  | { name: string; type: "dir" }
  | { name: string; type: "symlink"; target: string };

/**
 * A gzipped ustar archive written by hand, so tests can put in what no sane
 * tar tool would (`../` names, links out of the tree).
 */
export function makeTarball(entries: TTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.type === "file" ? Buffer.from(e.content) : Buffer.alloc(0);
    blocks.push(header(e, body.length));
    if (body.length) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function header(e: TTarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, at: number, len: number) => h.write(s.slice(0, len), at, len, "utf8");
  const octal = (n: number, at: number, len: number) =>
    put(n.toString(8).padStart(len - 1, "0") + "\0", at, len);
  put(e.name, 0, 100);
  octal(e.type === "dir" ? 0o755 : e.type === "file" ? (e.mode ?? 0o644) : 0o777, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(1_700_000_000, 136, 12);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  put(e.type === "dir" ? "5" : e.type === "symlink" ? "2" : "0", 156, 1);
  if (e.type === "symlink") put(e.target, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}
