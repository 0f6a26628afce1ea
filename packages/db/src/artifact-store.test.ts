import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterEach, describe, expect, it } from "vitest";
import { createDirectoryArtifactStore, validateArtifactKey } from "./artifact-store.ts";
import { ArtifactIntegrityError, ArtifactKeyError } from "./errors.ts";
import { collectKeys, expectListsByPrefixAndDeletes } from "./testing/artifact-store-contract.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "kiln-artifacts-"));
  dirs.push(d);
  return d;
}

describe("validateArtifactKey", () => {
  it.each([
    ["", /empty/],
    ["/abs/path", /empty segment/],
    ["a//b", /empty segment/],
    ["a/b/", /empty segment/],
    ["../etc/passwd", /segment '\.\.'/],
    ["builds/../../x", /segment '\.\.'/],
    ["builds/./x", /segment '\.'/],
    [".tmp/x", /segment '\.tmp'/],
    ["a\\..\\b", /segment 'a\\/],
    ["a/b\0c", /segment/],
    ["x".repeat(1025), /longer than 1024/],
  ])("rejects %j", (key, message) => {
    expect(() => validateArtifactKey(key)).toThrow(ArtifactKeyError);
    expect(() => validateArtifactKey(key)).toThrow(message);
  });

  it("accepts nested keys of safe characters", () => {
    expect(validateArtifactKey("builds/42/web-image_v1.qcow2")).toBe(
      "builds/42/web-image_v1.qcow2",
    );
  });
});

describe("createDirectoryArtifactStore", () => {
  it("stores buffers and streams with their size and sha256, and reads them back", async () => {
    const store = createDirectoryArtifactStore({ root: tempDir() });
    const data = Buffer.from("hello artifact\n".repeat(10_000));
    const sha = createHash("sha256").update(data).digest("hex");
    expect(await store.put("builds/1/a.raw", data)).toEqual({ size: data.length, sha256: sha });
    async function* chunks() {
      for (let i = 0; i < data.length; i += 4096) yield data.subarray(i, i + 4096);
    }
    expect(await store.put("builds/1/b.raw", chunks())).toEqual({ size: data.length, sha256: sha });
    expect(await store.put("empty", new Uint8Array())).toEqual({
      size: 0,
      sha256: createHash("sha256").digest("hex"),
    });
    expect(await text(await store.get("builds/1/b.raw"))).toBe(data.toString());
    expect(await text(await store.get("builds/1/a.raw", { start: 6, end: 13 }))).toBe("artifact");
    expect((await store.stat("builds/1/a.raw"))?.size).toBe(data.length);
  });

  it("replaces atomically: a failed write leaves the old object and no temp file", async () => {
    const root = tempDir();
    const store = createDirectoryArtifactStore({ root });
    await store.put("logs/1.log", Buffer.from("old"));
    const failing = new Readable({
      read() {
        this.push(Buffer.from("partial new content"));
        this.destroy(new Error("agent went away"));
      },
    });
    await expect(store.put("logs/1.log", failing)).rejects.toThrow("agent went away");
    expect(readFileSync(path.join(root, "logs/1.log"), "utf8")).toBe("old");
    expect(readdirSync(path.join(root, ".tmp"))).toEqual([]);
    await expect(store.put("logs/2.log", failing)).rejects.toThrow();
    expect(await store.stat("logs/2.log")).toBeNull();
  });

  it("stores nothing when the content does not match the expected sha256", async () => {
    const store = createDirectoryArtifactStore({ root: tempDir() });
    const right = createHash("sha256").update("abc").digest("hex");
    await expect(store.put("x", Buffer.from("abd"), { expectedSha256: right })).rejects.toThrow(
      ArtifactIntegrityError,
    );
    expect(await store.stat("x")).toBeNull();
    expect(
      await store.put("x", Buffer.from("abc"), { expectedSha256: right.toUpperCase() }),
    ).toMatchObject({ size: 3 });
  });

  it("rejects traversal in every operation and never touches files outside the root", async () => {
    const parent = tempDir();
    const root = path.join(parent, "store");
    writeFileSync(path.join(parent, "secret"), "s3cret");
    const store = createDirectoryArtifactStore({ root });
    await expect(store.put("../secret", Buffer.from("x"))).rejects.toThrow(ArtifactKeyError);
    await expect(store.get("../secret")).rejects.toThrow(ArtifactKeyError);
    await expect(store.stat("../secret")).rejects.toThrow(ArtifactKeyError);
    await expect(store.delete("../secret")).rejects.toThrow(ArtifactKeyError);
    await expect(collectKeys(store.list("../"))).rejects.toThrow(ArtifactKeyError);
    expect(readFileSync(path.join(parent, "secret"), "utf8")).toBe("s3cret");
  });

  it("refuses a key whose directory is a symlink leading outside the root", async () => {
    const parent = tempDir();
    const root = path.join(parent, "store");
    mkdirSync(path.join(parent, "outside"));
    writeFileSync(path.join(parent, "outside", "f"), "outside");
    mkdirSync(root);
    symlinkSync(path.join(parent, "outside"), path.join(root, "link"));
    const store = createDirectoryArtifactStore({ root });
    await expect(store.get("link/f")).rejects.toThrow(/outside the store/);
    await expect(store.put("link/g", Buffer.from("x"))).rejects.toThrow(/outside the store/);
    expect(existsSync(path.join(parent, "outside", "g"))).toBe(false);
    expect(await collectKeys(store.list(""))).toEqual([]);
  });

  it("lists by key prefix in byte order, and deletes pruning empty directories", async () => {
    const root = tempDir();
    const store = createDirectoryArtifactStore({ root });
    await expectListsByPrefixAndDeletes(store);
    // Deleting the last object of a directory removes the directory.
    expect(existsSync(path.join(root, "catalogs"))).toBe(false);
  });
});
