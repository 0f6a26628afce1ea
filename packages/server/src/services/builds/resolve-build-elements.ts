/**
 * Resolves a build's element list with the engine (DIB's expansion) over the
 * elements stored for its catalog versions. Only `element-deps` and
 * `element-provides` matter to expansion, so they are written from the
 * database rows into a throwaway tree instead of unpacking catalog tarballs.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { expandElements } from "@kiln/engine/elements/expand-elements";
import { findElements } from "@kiln/engine/elements/find-elements";
import { buildRequestList } from "@kiln/engine/elements/request";
import type { ElementRef } from "@kiln/engine/elements/types";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { storedDeps, storedProvides } from "../catalogs/stored-element.ts";
import type { TResolvedElement } from "./stored-request.ts";

export interface TResolveInput {
  elements: string[];
  skipBase: boolean;
  arch: string;
  /** Catalog versions forming the elements path, earliest wins; empty: the built-in catalog. */
  catalogVersionIds: string[];
}

export async function resolveBuildElements(
  deps: ServerDeps,
  input: TResolveInput,
): Promise<TResolvedElement[]> {
  const request = buildRequestList(input);
  if (input.catalogVersionIds.length === 0) return resolveBuiltin(deps, input, request);

  const versions = await deps.db.prisma.catalogVersion.findMany({
    where: { id: { in: input.catalogVersionIds } },
    select: { id: true, sha256: true, catalog: { select: { name: true } } },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const rows = await deps.db.prisma.catalogElement.findMany({
    where: { catalogVersionId: { in: input.catalogVersionIds } },
    select: { id: true, name: true, deps: true, provides: true, catalogVersionId: true },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-resolve-"));
  try {
    const refs = new Map<string, ElementRef>();
    const origin = new Map<string, string>();
    for (const versionId of input.catalogVersionIds) {
      for (const row of rows.filter((r) => r.catalogVersionId === versionId)) {
        if (refs.has(row.name)) continue; // the earlier catalog shadows it
        // Names come from catalog import (validated there); a slash would escape the tree.
        if (row.name.includes("/") || row.name.startsWith(".")) continue;
        const elDir = path.join(dir, `${refs.size}`, row.name);
        mkdirSync(elDir, { recursive: true });
        writeFileSync(path.join(elDir, "element-deps"), storedDeps(row).join("\n") + "\n");
        writeFileSync(path.join(elDir, "element-provides"), storedProvides(row).join("\n") + "\n");
        refs.set(row.name, { name: row.name, path: elDir });
        origin.set(row.name, versionId);
      }
    }
    const expanded = expand(request, refs);
    return expanded.map((e) => {
      const v = byId.get(origin.get(e.name) ?? "");
      return {
        name: e.name,
        catalogVersionId: v?.id ?? null,
        catalogName: v?.catalog.name ?? null,
        catalogSha256: v?.sha256 ?? null,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ad-hoc builds: Kiln's built-in catalog (its newest registered version, if any). */
async function resolveBuiltin(
  deps: ServerDeps,
  input: TResolveInput,
  request: string[],
): Promise<TResolvedElement[]> {
  const builtin = await deps.db.prisma.catalogVersion.findFirst({
    where: { catalog: { sourceKind: "builtin" } },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  if (builtin) return resolveBuildElements(deps, { ...input, catalogVersionIds: [builtin.id] });
  let refs: Map<string, ElementRef>;
  try {
    refs = findElements({ elementsPath: [deps.config.builtinElementsDir] });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new AppError(
      "INTERNAL",
      `built-in elements (${deps.config.builtinElementsDir}): ${msg}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  return expand(request, refs).map((e) => ({
    name: e.name,
    catalogVersionId: null,
    catalogName: "builtin",
    catalogSha256: null,
  }));
}

function expand(request: string[], refs: Map<string, ElementRef>): ElementRef[] {
  try {
    return expandElements({ requested: request, elements: refs });
  } catch (err) {
    if (err instanceof KilnError)
      throw new AppError("INVALID_INPUT", err.message, "elements", { cause: err });
    throw err;
  }
}
