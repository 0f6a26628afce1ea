/**
 * An agent hands over an artifact in two steps: it PUTs the file
 * (`acceptArtifactUpload`, streamed into the store and sha256-checked), then
 * says ARTIFACT_READY (`acceptArtifact`), which records it once the stored
 * object is exactly what the message describes.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { ArtifactIntegrityError } from "@kiln/db/errors";
import { ZFileName, type TAgentToServer } from "@kiln/protocol";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { findIngestTarget } from "../builds/find-ingest-target.ts";
import { artifactStorageKey, recordArtifact } from "../builds/record-artifact.ts";

/**
 * sha256 of each artifact as it was uploaded, by storage key, so ARTIFACT_READY
 * needs no re-read of the object. Per server process: after a restart the
 * stored object is hashed instead.
 */
export type TUploadedHashes = Map<string, string>;

export interface TArtifactUpload {
  agentId: string;
  buildId: string;
  fileName: string;
  /** Lowercase hex sha256 the agent says the content has; nothing is stored unless it does. */
  expectedSha256: string;
  body: Readable;
}

/** Stores an uploaded artifact. A re-PUT replaces the object atomically: uploads restart from scratch. */
export async function acceptArtifactUpload(
  deps: ServerDeps,
  uploaded: TUploadedHashes,
  upload: TArtifactUpload,
): Promise<{ storageKey: string; sizeBytes: number; sha256: string }> {
  // The same rule ARTIFACT_READY's name follows; an over-long name would
  // otherwise reach the store and fail there (ENAMETOOLONG) as a server error.
  if (!ZFileName.safeParse(upload.fileName).success) {
    throw new AppError(
      "INVALID_INPUT",
      "an artifact name is a plain file name of at most 255 characters",
      "fileName",
    );
  }
  const build = await findIngestTarget(deps, upload.buildId, upload.agentId);
  if (build.deletedAt) throw new AppError("NOT_FOUND", `build #${build.number} was deleted`);
  const key = artifactStorageKey(upload.buildId, upload.fileName);
  try {
    const stored = await deps.store.put(key, upload.body, {
      expectedSha256: upload.expectedSha256,
    });
    uploaded.set(key, stored.sha256);
    return { storageKey: key, sizeBytes: stored.size, sha256: stored.sha256 };
  } catch (err) {
    if (err instanceof ArtifactIntegrityError) {
      uploaded.delete(key);
      throw new AppError("INVALID_INPUT", `${upload.fileName}: ${err.message}`, "sha256", {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * ARTIFACT_READY: records the artifact when the stored object is the one
 * described; else `ok: false` and why (the agent uploads it again).
 */
export async function acceptArtifact(
  deps: ServerDeps,
  uploaded: TUploadedHashes,
  agentId: string,
  ready: TAgentToServer<"ARTIFACT_READY">,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  // Before the stored object is looked at: its size and hash are not another agent's to learn.
  await findIngestTarget(deps, ready.buildId, agentId);
  const key = artifactStorageKey(ready.buildId, ready.fileName);
  const refused = await checkArtifactUpload(deps, uploaded, key, ready);
  if (refused) return { ok: false, reason: refused };
  await recordArtifact(deps, {
    buildId: ready.buildId,
    type: ready.kind,
    fileName: ready.fileName,
    sizeBytes: ready.sizeBytes,
    sha256: ready.sha256,
    md5: ready.md5,
    storageKey: key,
    agentId,
  });
  return { ok: true };
}

/** Null when the object stored under `key` is the artifact described, else why not. */
async function checkArtifactUpload(
  deps: ServerDeps,
  uploaded: TUploadedHashes,
  key: string,
  ready: TAgentToServer<"ARTIFACT_READY">,
): Promise<string | null> {
  const info = await deps.store.stat(key);
  if (!info) return "no upload arrived; PUT it first";
  if (info.size !== ready.sizeBytes)
    return `uploaded ${info.size} bytes, ARTIFACT_READY says ${ready.sizeBytes}`;
  const sha = uploaded.get(key) ?? (await hashStoredObject(deps, key));
  if (sha !== ready.sha256)
    return `uploaded content has sha256 ${sha}, ARTIFACT_READY says ${ready.sha256}`;
  return null;
}

/** Hex sha256 of a stored object (ARTIFACT_READY after a server restart lost the upload map). */
async function hashStoredObject(deps: ServerDeps, key: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of await deps.store.get(key)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
