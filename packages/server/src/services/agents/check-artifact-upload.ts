import type { TAgentToServer } from "@kiln/protocol";
import type { ServerDeps } from "../../context.ts";

/** How the session learns an uploaded object's sha256. */
export interface TUploadHashes {
  /** sha256 of an artifact as it was uploaded (saves re-reading it); undefined: hash the stored object. */
  uploadedSha256?: (storageKey: string) => string | undefined;
  /** Hex sha256 of a stored object (fallback after a server restart). */
  hashStored?: (storageKey: string) => Promise<string>;
}

/**
 * Whether the object stored under `key` is the artifact ARTIFACT_READY
 * describes: null when it is, else why not (the agent uploads again).
 */
export async function checkArtifactUpload(
  deps: ServerDeps,
  hashes: TUploadHashes,
  key: string,
  m: TAgentToServer<"ARTIFACT_READY">,
): Promise<string | null> {
  const info = await deps.store.stat(key);
  if (!info) return "no upload arrived; PUT it first";
  if (info.size !== m.sizeBytes)
    return `uploaded ${info.size} bytes, ARTIFACT_READY says ${m.sizeBytes}`;
  const sha = hashes.uploadedSha256?.(key) ?? (await hashes.hashStored?.(key));
  if (sha !== m.sha256)
    return `uploaded content has sha256 ${sha}, ARTIFACT_READY says ${m.sha256}`;
  return null;
}
