import { Readable } from "node:stream";
import { AppError } from "@kiln/server/app-error";
import type { Actor, ServerDeps } from "@kiln/server/context";
import { getBuild } from "@kiln/server/services/builds/get-build";
import { getBuildLog } from "@kiln/server/services/builds/get-build-log";
import { artifactStorageKey } from "@kiln/server/services/builds/record-artifact";

/**
 * `GET /api/builds/<buildId>/artifacts/<artifactId>`: streams one artifact
 * after the same read check as the build page (getBuild), with its checksum
 * in `Digest`-like headers so scripts can verify what they got.
 */
export async function handleArtifactDownload(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
  artifactId: string,
): Promise<Response> {
  const build = await getBuild(deps, actor, buildId);
  const artifact = build.artifacts.find((a) => a.id === artifactId);
  if (!artifact)
    throw new AppError("NOT_FOUND", `build #${build.number} has no artifact ${artifactId}`);
  const stream = await deps.store.get(artifactStorageKey(build.id, artifact.fileName));
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(artifact.sizeBytes),
      "content-disposition": `attachment; filename="${artifact.fileName.replace(/["\\\r\n]/g, "_")}"`,
      "x-checksum-sha256": artifact.sha256,
      "x-checksum-md5": artifact.md5,
      "cache-control": "private, no-store",
    },
  });
}

/** `GET /api/builds/<buildId>/log`: the whole log as text, read in 1 MiB ranges. */
export async function handleBuildLogDownload(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<Response> {
  const first = await getBuildLog(deps, actor, { buildId, from: 0 });
  async function* ranges(): AsyncGenerator<Uint8Array> {
    let range = first;
    for (;;) {
      if (range.data.length > 0) yield range.data;
      if (range.data.length === 0 || range.nextOffset >= range.totalBytes) return;
      range = await getBuildLog(deps, actor, { buildId, from: range.nextOffset });
    }
  }
  return new Response(Readable.toWeb(Readable.from(ranges())) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `inline; filename="build-${buildId}.log"`,
      "cache-control": "private, no-store",
    },
  });
}
