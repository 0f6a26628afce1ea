import { Readable } from "node:stream";
import type { Actor, ServerDeps } from "../context.ts";
import { openArtifact, readWholeBuildLog } from "../services/builds/build-downloads.ts";

/**
 * `GET /api/builds/<buildId>/artifacts/<artifactId>`: streams one artifact,
 * with its checksums in `Digest`-like headers so scripts can verify what they got.
 */
export async function handleArtifactDownload(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
  artifactId: string,
): Promise<Response> {
  const { artifact, stream } = await openArtifact(deps, actor, buildId, artifactId);
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

/** `GET /api/builds/<buildId>/log`: the whole log as text. */
export async function handleBuildLogDownload(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<Response> {
  const log = await readWholeBuildLog(deps, actor, buildId);
  return new Response(Readable.toWeb(Readable.from(log)) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `inline; filename="build-${buildId}.log"`,
      "cache-control": "private, no-store",
    },
  });
}
