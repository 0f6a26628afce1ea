import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { buildTopic } from "./build-topics.ts";
import { findIngestTarget } from "./find-ingest-target.ts";
import { buildStorePrefix } from "./purge-build-data.ts";

/** Where the gateway should put an uploaded artifact, so purging a build finds it. */
export const artifactStorageKey = (buildId: string, fileName: string) =>
  `${buildStorePrefix(buildId)}artifacts/${fileName}`;

export const ZArtifactInput = z.object({
  buildId: z.string().min(1),
  /** qcow2 | raw | tar | vhd | … */
  type: z.string().min(1),
  fileName: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, "plain file name"),
  sizeBytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "hex sha256"),
  md5: z.string().regex(/^[0-9a-f]{32}$/, "hex md5"),
  /** Key in the artifact store, already written (see artifactStorageKey). */
  storageKey: z.string().min(1),
  agentId: z.string().optional(),
});
export type TArtifactInput = z.infer<typeof ZArtifactInput>;

/** Records an artifact already in the store. Idempotent by (buildId, fileName): a resend updates it. */
export async function recordArtifact(
  deps: ServerDeps,
  raw: TArtifactInput,
): Promise<{ id: string }> {
  const parsed = ZArtifactInput.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AppError(
      "INVALID_INPUT",
      `artifact: ${i?.path.join(".")}: ${i?.message}`,
      String(i?.path[0] ?? ""),
    );
  }
  const a = parsed.data;
  await findIngestTarget(deps, a.buildId, a.agentId);
  const fields = {
    type: a.type,
    sizeBytes: BigInt(a.sizeBytes),
    sha256: a.sha256,
    md5: a.md5,
    storageKey: a.storageKey,
  };
  const row = await deps.db.prisma.artifact.upsert({
    where: { buildId_fileName: { buildId: a.buildId, fileName: a.fileName } },
    create: { buildId: a.buildId, fileName: a.fileName, createdAt: deps.now(), ...fields },
    update: fields,
  });
  deps.bus.publish(buildTopic(a.buildId), {
    kind: "artifact",
    type: a.type,
    fileName: a.fileName,
    sizeBytes: a.sizeBytes,
  });
  return { id: row.id };
}

export const ZManifestInput = z.object({
  buildId: z.string().min(1),
  packages: z.array(
    z.object({ name: z.string().min(1), version: z.string(), arch: z.string().optional() }),
  ),
  agentId: z.string().optional(),
});

/** Stores the installed-package manifest an agent reports at the end of a build (replaces any earlier one). */
export async function recordManifest(
  deps: ServerDeps,
  raw: z.infer<typeof ZManifestInput>,
): Promise<void> {
  const parsed = ZManifestInput.safeParse(raw);
  if (!parsed.success)
    throw new AppError("INVALID_INPUT", `manifest: ${parsed.error.issues[0]?.message}`, "packages");
  await findIngestTarget(deps, parsed.data.buildId, parsed.data.agentId);
  const packages = [...parsed.data.packages].sort((x, y) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
  );
  await deps.db.prisma.build.update({
    where: { id: parsed.data.buildId },
    data: { manifest: JSON.stringify(packages) },
  });
}
