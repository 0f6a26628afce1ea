import { z } from "zod";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import { AppError } from "../../app-error.ts";
import { readStoredJson, ZLabels } from "../stored-json.ts";

/** One environment variable of a build; secret values are never stored on the build. */
export const ZBuildEnvVar = z.object({
  name: z.string().min(1),
  /** Absent for secrets: the gateway reads them from the recipe version at assignment. */
  value: z.string().optional(),
  secret: z.boolean().default(false),
});
export type TBuildEnvVar = z.infer<typeof ZBuildEnvVar>;

/** Agent labels a build needs: every `key=value` must be on the agent. */
export const ZAgentLabels = z.record(z.string().min(1), z.string());

/** Milliseconds per phase, on `Build.phaseTimings`. */
export const ZPhaseTimings = z.record(z.string(), z.number());

/** One installed package on `Build.manifest` (as recordManifest stores it). */
export const ZManifestPackage = z.object({
  name: z.string(),
  version: z.string(),
  arch: z.string().optional(),
});

/** What the dispatcher reads of `Build.request`: only the placement needs. */
export const ZStoredPlacement = z.object({
  arch: z.string().default("amd64"),
  agentLabels: ZLabels.default({}),
});

/** What the build list shows of `Build.request`. */
export const ZStoredElementNames = z.object({ elements: z.array(z.string()).default([]) });

/**
 * What `Build.request` holds: the engine's build request plus what the
 * dispatcher and the agent need besides (environment, required labels).
 */
export const ZStoredBuildRequest = ZBuildRequest.extend({
  env: z.array(ZBuildEnvVar).default([]),
  agentLabels: ZAgentLabels.default({}),
});
export type TStoredBuildRequest = z.infer<typeof ZStoredBuildRequest>;

/** One element of the resolved list kept on the build. */
export const ZResolvedElement = z.object({
  name: z.string(),
  /** Catalog version the element came from (null: Kiln's built-in directory). */
  catalogVersionId: z.string().nullable(),
  catalogName: z.string().nullable().default(null),
  /** sha256 of the catalog version's content. */
  catalogSha256: z.string().nullable().default(null),
});
export type TResolvedElement = z.infer<typeof ZResolvedElement>;

/** Parses a build's stored request; a corrupt row is the server's fault. */
export function parseStoredRequest(json: string, buildId: string): TStoredBuildRequest {
  const parsed = readStoredJson(ZStoredBuildRequest, json);
  if (!parsed.ok) {
    throw new AppError(
      "INTERNAL",
      `build ${buildId}: stored request is invalid: ${parsed.problem}`,
    );
  }
  return parsed.value;
}

/** Parses a build's resolved element list (none stored: empty); a corrupt row is the server's fault. */
export function parseResolvedElements(json: string | null, buildId: string): TResolvedElement[] {
  const parsed = readStoredJson(z.array(ZResolvedElement).default([]), json);
  if (!parsed.ok) {
    throw new AppError(
      "INTERNAL",
      `build ${buildId}: stored resolved elements are invalid: ${parsed.problem}`,
    );
  }
  return parsed.value;
}
