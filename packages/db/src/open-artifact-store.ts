import { createDirectoryArtifactStore, type ArtifactStore } from "./artifact-store.ts";
import { createS3ArtifactStore } from "./s3-artifact-store.ts";
import type { TArtifactStoreChoice } from "./storage-location.ts";

/** The artifact store resolveStorageLocation chose. */
export function openArtifactStore(choice: TArtifactStoreChoice): ArtifactStore {
  return choice.kind === "s3"
    ? createS3ArtifactStore(choice.options)
    : createDirectoryArtifactStore({ root: choice.root });
}
