import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer, text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactIntegrityError, ArtifactKeyError } from "./errors.ts";
import { createS3ArtifactStore, type TS3ArtifactStoreOptions } from "./s3-artifact-store.ts";
import { collectKeys, expectListsByPrefixAndDeletes } from "./testing/artifact-store-contract.ts";

// s3rver ships no types; this is the slice the tests call.
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

const bucket = "kiln-test";
let server: S3rverInstance | undefined;
let dir = "";
let base: TS3ArtifactStoreOptions | undefined;
let skipReason = "";

beforeAll(async () => {
  try {
    const S3rver = createRequire(import.meta.url)("s3rver") as S3rverCtor;
    dir = mkdtempSync(path.join(os.tmpdir(), "kiln-s3rver-"));
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: bucket }],
    });
    const { port } = await server.run();
    base = {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      bucket,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    };
  } catch (err) {
    skipReason = `s3rver could not start: ${(err as Error).message}`;
    console.warn(`skipping S3 artifact store tests: ${skipReason}`);
  }
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A store under a fresh prefix, so tests do not see each other's objects. */
function store(extra: Partial<TS3ArtifactStoreOptions> = {}) {
  if (!base) throw new Error(skipReason);
  return createS3ArtifactStore({ ...base, prefix: `t${++n}/`, ...extra });
}
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
// beforeAll has not run when skipIf is evaluated, so each test checks for itself.
const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
  it(
    name,
    async (ctx) => {
      if (!base) ctx.skip(skipReason);
      await fn();
    },
    timeout,
  );

describe("createS3ArtifactStore", () => {
  maybe("stores buffers and streams with size and sha256, and reads them back", async () => {
    const s = store();
    const data = Buffer.from("hello artifact\n".repeat(10_000));
    expect(await s.put("builds/1/a.raw", data)).toEqual({ size: data.length, sha256: sha(data) });
    async function* chunks() {
      for (let i = 0; i < data.length; i += 4096) yield data.subarray(i, i + 4096);
    }
    expect(await s.put("builds/1/b.raw", chunks())).toEqual({
      size: data.length,
      sha256: sha(data),
    });
    expect(await s.put("empty", new Uint8Array())).toEqual({ size: 0, sha256: sha("") });
    expect(await text(await s.get("builds/1/b.raw"))).toBe(data.toString());
    expect(await text(await s.get("builds/1/a.raw", { start: 6, end: 13 }))).toBe("artifact");
    expect(await text(await s.get("builds/1/a.raw", { start: data.length - 6 }))).toBe("ifact\n");
    expect(await text(await s.get("builds/1/a.raw", { end: 4 }))).toBe("hello");
    expect(await text(await s.get("empty"))).toBe("");
    const info = await s.stat("builds/1/a.raw");
    expect(info).toMatchObject({ key: "builds/1/a.raw", size: data.length, sha256: sha(data) });
    expect(info?.modifiedAt).toBeInstanceOf(Date);
    expect(await s.stat("builds/1/nope")).toBeNull();
    // The temporary object used for the metadata copy is gone.
    expect(await collectKeys(s.list(""))).toEqual(["builds/1/a.raw", "builds/1/b.raw", "empty"]);
    s.destroy();
  });

  maybe(
    "streams a 20 MiB object in parts and reads it back byte for byte",
    async () => {
      const s = store({ partSize: 5 * 1024 * 1024 });
      const block = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < block.length; i++) block[i] = (i * 7 + 3) & 0xff;
      const whole = Buffer.concat(Array.from({ length: 20 }, (_, i) => block.map((b) => b ^ i)));
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < whole.length; i += 64 * 1024) yield whole.subarray(i, i + 64 * 1024);
        })(),
      );
      expect(await s.put("images/big.qcow2", source)).toEqual({
        size: whole.length,
        sha256: sha(whole),
      });
      expect(sha(await buffer(await s.get("images/big.qcow2")))).toBe(sha(whole));
      const mid = await buffer(
        await s.get("images/big.qcow2", { start: 7_000_000, end: 7_000_099 }),
      );
      expect(mid.equals(whole.subarray(7_000_000, 7_000_100))).toBe(true);
      // With the hash known up front the upload goes straight to the key.
      expect(
        await s.put("images/big2.qcow2", Readable.from([whole]), { expectedSha256: sha(whole) }),
      ).toMatchObject({ size: whole.length });
      expect((await s.stat("images/big2.qcow2"))?.sha256).toBe(sha(whole));
      s.destroy();
    },
    60_000,
  );

  maybe("stores nothing when the content does not match the expected sha256", async () => {
    const s = store({ partSize: 5 * 1024 * 1024 });
    await expect(s.put("x", Buffer.from("abd"), { expectedSha256: sha("abc") })).rejects.toThrow(
      ArtifactIntegrityError,
    );
    expect(await s.stat("x")).toBeNull();
    // Multipart: parts were uploaded before the hash was known.
    const big = Buffer.alloc(11 * 1024 * 1024, 1);
    await expect(
      s.put("y", Readable.from([big.subarray(0, 6e6), big.subarray(6e6)]), {
        expectedSha256: sha("abc"),
      }),
    ).rejects.toThrow(/does not match expected/);
    expect(await s.stat("y")).toBeNull();
    expect(
      await s.put("x", Buffer.from("abc"), { expectedSha256: sha("abc").toUpperCase() }),
    ).toMatchObject({ size: 3, sha256: sha("abc") });
    expect(await collectKeys(s.list(""))).toEqual(["x"]);
    s.destroy();
  });

  maybe("a failed write leaves the old object in place", async () => {
    const s = store();
    await s.put("logs/1.log", Buffer.from("old"));
    const failing = () =>
      new Readable({
        read() {
          this.push(Buffer.from("partial new content"));
          this.destroy(new Error("agent went away"));
        },
      });
    await expect(s.put("logs/1.log", failing())).rejects.toThrow("agent went away");
    expect(await text(await s.get("logs/1.log"))).toBe("old");
    await expect(s.put("logs/2.log", failing())).rejects.toThrow();
    expect(await s.stat("logs/2.log")).toBeNull();
    s.destroy();
  });

  maybe("rejects traversal keys in every operation", async () => {
    const s = store();
    await expect(s.put("../secret", Buffer.from("x"))).rejects.toThrow(ArtifactKeyError);
    await expect(s.put(".tmp/x", Buffer.from("x"))).rejects.toThrow(ArtifactKeyError);
    await expect(s.get("../secret")).rejects.toThrow(ArtifactKeyError);
    await expect(s.stat("a//b")).rejects.toThrow(ArtifactKeyError);
    await expect(s.delete("../secret")).rejects.toThrow(ArtifactKeyError);
    await expect(collectKeys(s.list("../"))).rejects.toThrow(ArtifactKeyError);
    expect(() => store({ prefix: "../up/" })).toThrow(ArtifactKeyError);
    s.destroy();
  });

  maybe("lists by key prefix in byte order, and deletes", async () => {
    const s = store();
    await expectListsByPrefixAndDeletes(s);

    s.destroy();
  });

  maybe("reports a missing bucket as a store error, not as a missing object", async () => {
    const s = store({ bucket: "no-such-bucket" });
    await expect(s.stat("k")).rejects.toThrow(/artifact store stat s3:\/\/no-such-bucket\/t\d+\/k/);
    s.destroy();
  });
});
