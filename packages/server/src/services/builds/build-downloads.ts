import type { Readable } from "node:stream";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { getBuild, type TBuildDetail } from "./get-build.ts";
import { getBuildLog } from "./get-build-log.ts";
import { artifactStorageKey } from "./record-artifact.ts";

export interface TArtifactDownload {
  artifact: TBuildDetail["artifacts"][number];
  /** The stored bytes, from the artifact store. */
  stream: Readable;
}

/** One artifact of a build, after the same read check as the build page (getBuild). */
export async function openArtifact(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
  artifactId: string,
): Promise<TArtifactDownload> {
  const build = await getBuild(deps, actor, buildId);
  const artifact = build.artifacts.find((candidate) => candidate.id === artifactId);
  if (!artifact)
    throw new AppError("NOT_FOUND", `build #${build.number} has no artifact ${artifactId}`);
  const stream = await deps.store.get(artifactStorageKey(build.id, artifact.fileName));
  return { artifact, stream };
}

/**
 * A build's whole log, read in 1 MiB ranges. The first range is read before
 * this returns, so a build the actor may not read fails here, not mid-stream.
 */
export async function readWholeBuildLog(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<AsyncIterable<Uint8Array>> {
  const first = await getBuildLog(deps, actor, { buildId, from: 0 });
  async function* ranges(): AsyncGenerator<Uint8Array> {
    let range = first;
    for (;;) {
      if (range.data.length > 0) yield range.data;
      if (range.data.length === 0 || range.nextOffset >= range.totalBytes) return;
      range = await getBuildLog(deps, actor, { buildId, from: range.nextOffset });
    }
  }
  return ranges();
}
