/**
 * Resolution across an ordered list of catalog versions, exactly as a build
 * would do it: the versions' trees (extracted to the cache) form the elements
 * path, earliest first, and the engine's planBuild adds `base` and the
 * block-device default, expands dependencies and merges hooks. DIB's errors
 * (missing element, provides conflict, no operating system, duplicate hook)
 * come back as INVALID_INPUT on the `elements` field.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { planBuild } from "@kiln/engine/plan/plan-build";
import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { catalogCacheDir } from "./catalog-limits.ts";
import { requireCatalogVersion } from "./manage-catalogs.ts";
import { ensureCatalogTree } from "./store-catalog-tree.ts";

export const ZResolveInput = z.object({
  /** Catalog versions forming the elements path, earliest wins. */
  catalogVersionIds: z.array(z.string().min(1)).min(1).max(20),
  /** Elements as a recipe lists them. */
  elements: z.array(z.string().min(1).max(200)).min(1).max(200),
  arch: z.string().min(1).default("amd64"),
  /** Do not prepend `base` (disk-image-create -n). */
  skipBase: z.boolean().default(false),
});
export type TResolveInput = z.input<typeof ZResolveInput>;

export interface TResolvedElement {
  name: string;
  catalogVersionId: string;
  /** Name of the catalog the element came from. */
  catalogName: string;
}

export interface TResolution {
  /** The list handed to expansion (with `base` and the block-device default). */
  request: string[];
  /** Expanded elements in build order, each with the catalog version that supplied it. */
  elements: TResolvedElement[];
}

export interface TPathVersion {
  id: string;
  sha256: string;
  storageKey: string;
  catalogName: string;
}

/** Resolves without authorization (callers check access to each version). */
export async function resolveAcrossCatalogs(
  deps: ServerDeps,
  versions: TPathVersion[],
  opts: { elements: string[]; arch: string; skipBase?: boolean; env?: Record<string, string> },
): Promise<TResolution> {
  const dirs = await Promise.all(
    versions.map(async (v) => fs.realpath(await ensureCatalogTree(deps, v))),
  );
  let plan;
  try {
    plan = planBuild({
      elements: opts.elements,
      elementsPath: dirs,
      arch: opts.arch,
      skipBase: opts.skipBase,
      env: opts.env ?? {},
    });
  } catch (err) {
    if (err instanceof KilnError) {
      let msg = err.message;
      for (const d of [...dirs, catalogCacheDir(deps.config)])
        msg = msg.split(d + path.sep).join("");
      throw new AppError("INVALID_INPUT", msg, "elements", { cause: err });
    }
    throw err;
  }
  return {
    request: plan.request,
    elements: plan.elements.map((ref) => {
      const i = dirs.findIndex((d) => ref.path.startsWith(d + path.sep));
      const v = versions[i >= 0 ? i : 0] as TPathVersion;
      return { name: ref.name, catalogVersionId: v.id, catalogName: v.catalogName };
    }),
  };
}

/** Loads the versions in order, each one readable by the actor. */
export async function loadPathVersions(
  deps: ServerDeps,
  actor: Actor,
  ids: string[],
  field = "catalogVersionIds",
): Promise<TPathVersion[]> {
  if (new Set(ids).size !== ids.length) {
    throw new AppError("INVALID_INPUT", "a catalog version is listed twice", field);
  }
  const out: TPathVersion[] = [];
  for (const [i, id] of ids.entries()) {
    const v = await requireCatalogVersion(deps, actor, id, `${field}.${i}`);
    out.push({ id: v.id, sha256: v.sha256, storageKey: v.storageKey, catalogName: v.catalog.name });
  }
  return out;
}

export async function resolveElements(
  deps: ServerDeps,
  actor: Actor,
  input: TResolveInput,
): Promise<TResolution> {
  const parsed = ZResolveInput.parse(input);
  const versions = await loadPathVersions(deps, actor, parsed.catalogVersionIds);
  return resolveAcrossCatalogs(deps, versions, parsed);
}
