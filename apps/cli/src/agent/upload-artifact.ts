/**
 * Streams one artifact file to the server with an HTTP PUT carrying its
 * sha256; the server checks the hash on arrival. Network errors and 5xx are
 * retried with backoff, each attempt from the first byte (the server replaces
 * a partial object atomically, so a restart is always safe).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { pipeline } from "node:stream/promises";
import { KilnError } from "@kiln/contracts/errors";
import { computeBackoff, type BackoffOptions } from "./compute-backoff.ts";

/** Header the server reads the expected sha256 from (matches the gateway's SHA256_HEADER). */
export const ARTIFACT_SHA256_HEADER = "x-kiln-sha256";

export interface TFileDigest {
  sizeBytes: number;
  sha256: string;
  md5: string;
}

export async function digestFile(file: string): Promise<TFileDigest> {
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    const b = chunk as Buffer;
    size += b.length;
    sha.update(b);
    md5.update(b);
  }
  return { sizeBytes: size, sha256: sha.digest("hex"), md5: md5.digest("hex") };
}

export class ArtifactUploadError extends KilnError {
  constructor(message: string) {
    super("HOST", message);
  }
}

export interface UploadArtifactOptions {
  url: string;
  file: string;
  sha256: string;
  secret: string;
  signal?: AbortSignal;
  /** Attempts in all (default 5). */
  attempts?: number;
  backoff?: BackoffOptions;
}

/** PUTs the file; resolves on 2xx, throws ArtifactUploadError on a 4xx or when attempts run out. */
export async function uploadArtifact(o: UploadArtifactOptions): Promise<void> {
  const attempts = o.attempts ?? 5;
  let last = "";
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (o.signal?.aborted) throw new ArtifactUploadError(`upload of ${o.file} aborted`);
    const r = await putOnce(o).catch((err: unknown) => ({ status: 0, body: String(err) }));
    if (r.status >= 200 && r.status < 300) return;
    last = r.status ? `HTTP ${r.status}: ${r.body.slice(0, 300)}` : r.body;
    // A 4xx will not get better by retrying (bad secret, hash mismatch, unknown build).
    if (r.status >= 400 && r.status < 500) break;
    if (attempt + 1 < attempts)
      await new Promise((res) => setTimeout(res, computeBackoff(attempt, o.backoff)));
  }
  throw new ArtifactUploadError(`uploading ${o.file} to ${o.url} failed: ${last}`);
}

function putOnce(o: UploadArtifactOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const size = fs.statSync(o.file).size;
    const u = new URL(o.url);
    const req = (u.protocol === "https:" ? https : http).request(u, {
      method: "PUT",
      signal: o.signal,
      headers: {
        authorization: `Bearer ${o.secret}`,
        [ARTIFACT_SHA256_HEADER]: o.sha256,
        "content-type": "application/octet-stream",
        "content-length": size,
      },
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    pipeline(fs.createReadStream(o.file), req).catch(reject);
  });
}
