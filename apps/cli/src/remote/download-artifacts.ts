/**
 * `kiln remote artifacts --download DIR`: each artifact is streamed to a
 * temporary file next to its destination while hashed, and renamed into
 * place only when size and sha256 match what the server recorded when the
 * agent uploaded it. A mismatch leaves nothing behind under the real name.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RemoteClient } from "./remote-client.ts";

export interface TRemoteArtifact {
  id: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
}

export type TDownloadResult =
  { ok: true; file: string; bytes: number } | { ok: false; fileName: string; reason: string };

/** Downloads one artifact into `dir`; never leaves a partial or unverified file at its name. */
export async function downloadArtifact(
  client: RemoteClient,
  buildId: string,
  artifact: TRemoteArtifact,
  dir: string,
): Promise<TDownloadResult> {
  // The name comes from the server: it must stay inside DIR.
  const name = artifact.fileName;
  if (!name || path.basename(name) !== name || name === "." || name === "..")
    return {
      ok: false,
      fileName: name,
      reason: "refusing an artifact name that is not a file name",
    };
  const file = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.${randomBytes(6).toString("hex")}.part`);
  const res = await client.get(
    `/api/builds/${encodeURIComponent(buildId)}/artifacts/${encodeURIComponent(artifact.id)}`,
    `artifact ${name} of build ${buildId}`,
  );
  if (!res.body) return { ok: false, fileName: name, reason: "the server sent no body" };
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      fs.createWriteStream(tmp, { flags: "wx", mode: 0o644 }),
    );
    const sha256 = hash.digest("hex");
    if (bytes !== artifact.sizeBytes || sha256 !== artifact.sha256) {
      fs.rmSync(tmp, { force: true });
      return {
        ok: false,
        fileName: name,
        reason:
          bytes !== artifact.sizeBytes
            ? `size mismatch: expected ${artifact.sizeBytes} bytes, got ${bytes}`
            : `sha256 mismatch: expected ${artifact.sha256}, got ${sha256}`,
      };
    }
    fs.renameSync(tmp, file);
    return { ok: true, file, bytes };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    return { ok: false, fileName: name, reason: `download failed: ${(err as Error).message}` };
  }
}

/** `1.5 GiB`-style sizes for the listing. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
