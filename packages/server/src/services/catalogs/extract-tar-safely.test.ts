import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../app-error.ts";
import { tarEntry, tarGz, tarOf, writeTree } from "../../testing/catalog-test-server.ts";
import { extractTarSafely } from "./extract-tar-safely.ts";
import { hashElementTree } from "@kiln/contracts/catalog-hash";

const limits = { maxArchiveBytes: 1 << 20, maxTreeBytes: 1 << 20, maxEntries: 100 };
let tmp: string;
let out: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-extract-test-"));
  out = path.join(tmp, "out");
  fs.mkdirSync(out);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function* chunks(buf: Buffer, size = 700): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function extract(buf: Buffer, l = limits) {
  return extractTarSafely({ source: chunks(buf), dir: out, limits: l, what: "catalog upload" });
}

async function rejection(buf: Buffer, l = limits): Promise<AppError> {
  const err = await extract(buf, l).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("extractTarSafely", () => {
  it("extracts a gzipped tree made by GNU tar, long names, symlinks and modes included", async () => {
    const long = "a".repeat(120);
    const src = writeTree(path.join(tmp, "src"), {
      "el/README.md": "hello\n",
      "!el/install.d/10-x": "#!/bin/bash\n",
      [`el/${long}/${long}`]: "deep\n",
    });
    fs.symlinkSync("../README.md", path.join(src, "el", "install.d", "link"));
    const res = await extract(tarGz(src, path.join(tmp, "a.tgz")));
    expect(res.bytes).toBe(6 + 12 + 5);
    expect(fs.readFileSync(path.join(out, "el", long, long), "utf8")).toBe("deep\n");
    expect(fs.statSync(path.join(out, "el/install.d/10-x")).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(out, "el/install.d/link"))).toBe("../README.md");
    // Same content, same identity, wherever it was extracted.
    const a = await hashElementTree(src, limits, "t");
    const b = await hashElementTree(out, limits, "t");
    expect(b.sha256).toBe(a.sha256);
  });

  it("extracts a plain (not gzipped) archive", async () => {
    await extract(tarOf(tarEntry("el/", { type: "5" }), tarEntry("el/README.md", { body: "x" })));
    expect(fs.readFileSync(path.join(out, "el/README.md"), "utf8")).toBe("x");
  });

  const refusals: [string, () => Buffer, RegExp][] = [
    [
      "path traversal",
      () => tarOf(tarEntry("../etc/passwd", { body: "x" })),
      /entry '..\/etc\/passwd' escapes the tree/,
    ],
    [
      "a '..' inside a path",
      () => tarOf(tarEntry("el/../../x", { body: "x" })),
      /entry 'el\/..\/..\/x' escapes the tree/,
    ],
    [
      "an absolute path",
      () => tarOf(tarEntry("/etc/passwd", { body: "x" })),
      /entry '\/etc\/passwd' is an absolute path/,
    ],
    [
      "a symlink escaping",
      () => tarOf(tarEntry("el/link", { type: "2", linkname: "../../etc" })),
      /symlink 'el\/link' -> '..\/..\/etc' points outside the tree/,
    ],
    [
      "an absolute symlink",
      () => tarOf(tarEntry("el/link", { type: "2", linkname: "/etc/passwd" })),
      /symlink 'el\/link' -> '\/etc\/passwd' points outside/,
    ],
    [
      "a write through a symlink",
      () => tarOf(tarEntry("el", { type: "2", linkname: "." }), tarEntry("el/x", { body: "x" })),
      /entry 'el\/x' passes through symlink 'el'/,
    ],
    [
      "a character device",
      () => tarOf(tarEntry("el/null", { type: "3" })),
      /entry 'el\/null' is a device file/,
    ],
    [
      "a block device",
      () => tarOf(tarEntry("el/sda", { type: "4" })),
      /entry 'el\/sda' is a device file/,
    ],
    ["a FIFO", () => tarOf(tarEntry("el/pipe", { type: "6" })), /entry 'el\/pipe' is a FIFO/],
    [
      "a hard link outside",
      () => tarOf(tarEntry("el/h", { type: "1", linkname: "../../etc/shadow" })),
      /hard link 'el\/h' -> '..\/..\/etc\/shadow' points outside the tree/,
    ],
    [
      "a hard link to nothing extracted",
      () => tarOf(tarEntry("el/h", { type: "1", linkname: "etc/shadow" })),
      /names no earlier file/,
    ],
    [
      "a duplicate entry",
      () => tarOf(tarEntry("x", { body: "1" }), tarEntry("x", { body: "2" })),
      /entry 'x' appears twice/,
    ],
    [
      "something that is not tar",
      () => Buffer.from("hello world, not an archive".repeat(40)),
      /not a tar archive/,
    ],
    [
      "a truncated archive",
      () => tarEntry("x", { body: "y".repeat(2000) }).subarray(0, 1000),
      /truncated/,
    ],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what}, naming the entry, and writes nothing outside`, async () => {
      const err = await rejection(make());
      expect(err.code).toBe("INVALID_INPUT");
      expect(err.message).toMatch(/^catalog upload rejected: /);
      expect(err.message).toMatch(message);
      expect(fs.existsSync(path.join(tmp, "etc"))).toBe(false);
    });
  }

  it("refuses too many entries", async () => {
    const entries = Array.from({ length: 8 }, (_, i) => tarEntry(`f${i}`, { body: "x" }));
    const err = await rejection(tarOf(...entries), { ...limits, maxEntries: 5 });
    expect(err.message).toBe("catalog upload rejected: the archive has more than 5 entries");
  });

  it("refuses an archive over the size cap and a tree over the uncompressed cap", async () => {
    const big = tarOf(tarEntry("big", { body: "z".repeat(50_000) }));
    const err = await rejection(big, { ...limits, maxArchiveBytes: 10_000 });
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.message).toBe("catalog upload rejected: the archive is larger than 10000 bytes");
    // Compresses to almost nothing, expands past the tree cap: a zip bomb.
    fs.rmSync(out, { recursive: true });
    fs.mkdirSync(out);
    const bomb = zlib.gzipSync(big);
    expect(bomb.length).toBeLessThan(10_000);
    const err2 = await rejection(bomb, {
      ...limits,
      maxArchiveBytes: 10_000,
      maxTreeBytes: 20_000,
    });
    expect(err2.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err2.message).toMatch(/entry 'big' takes the tree past 20000 bytes uncompressed/);
  });

  it("refuses xz archives by name", async () => {
    const err = await rejection(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2, 3]));
    expect(err.message).toMatch(/only \.tar and \.tar\.gz/);
  });
});

describe("hashElementTree", () => {
  it("refuses a symlink chain that escapes although each link looks inside", async () => {
    const root = writeTree(path.join(tmp, "tree"), { "p/q/file": "x", "p2/file": "y" });
    fs.symlinkSync("../../p2", path.join(root, "p", "q", "b"));
    fs.symlinkSync("b/../../..", path.join(root, "p", "q", "a"));
    await expect(hashElementTree(root, limits, "catalog upload")).rejects.toThrow(
      /symlink 'p\/q\/a' -> 'b\/..\/..\/..' points outside the tree/,
    );
  });

  it("changes with content and the executable bit, not with times", async () => {
    const root = writeTree(path.join(tmp, "tree"), { "el/a": "x" });
    const h1 = (await hashElementTree(root, limits, "t")).sha256;
    fs.utimesSync(path.join(root, "el/a"), 1, 1);
    expect((await hashElementTree(root, limits, "t")).sha256).toBe(h1);
    fs.chmodSync(path.join(root, "el/a"), 0o755);
    const h2 = (await hashElementTree(root, limits, "t")).sha256;
    expect(h2).not.toBe(h1);
    fs.writeFileSync(path.join(root, "el/a"), "y");
    expect((await hashElementTree(root, limits, "t")).sha256).not.toBe(h2);
  });
});
