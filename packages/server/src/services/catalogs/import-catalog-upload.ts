/**
 * Catalog sources that arrive as archives: an uploaded .tar/.tar.gz. The
 * archive is extracted into a private temp dir, checked, hashed and stored;
 * the temp dir is removed whatever happens.
 */
import fs from "node:fs/promises";
import { lstatSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CatalogModel as Catalog } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, CATALOG_AUTHOR_ROLE, requireTeamRole } from "../access.ts";
import { withImportSlot, type TImportSlot } from "./catalog-import-gate.ts";
import { catalogLimits } from "./catalog-limits.ts";
import { extractTarSafely } from "./extract-tar-safely.ts";
import { chooseCatalogRoot, importCatalogTree } from "./import-catalog-tree.ts";
import {
  findOrCreateCatalog,
  requireCatalog,
  toVersionSummary,
  type TCatalogVersionSummary,
} from "./manage-catalogs.ts";

/** Which catalog an import goes to: an existing one, or a team's catalog by name (created if missing). */
export type TCatalogTarget =
  | { catalogId: string }
  | { teamId: string; name: string; description?: string; visibility?: "team" | "public" };

export interface TImportUploadInput {
  target: TCatalogTarget;
  /** The archive bytes. */
  body: AsyncIterable<Uint8Array>;
  /** Shown as the version's origin. */
  fileName: string;
  /** Directory inside the archive holding the elements (default: auto, see chooseCatalogRoot). */
  subdir?: string;
  /** The import's place among those running (taken here when not given). */
  slot?: TImportSlot;
}

export interface TImportResult {
  catalogId: string;
  version: TCatalogVersionSummary;
  /** False when this content was already a version of the catalog. */
  created: boolean;
}

/**
 * Authorizes an import of `kind` before any byte is read; returns the
 * catalog when it exists (and is filled by that kind of source).
 */
export async function authorizeCatalogImport(
  deps: ServerDeps,
  actor: Actor,
  target: TCatalogTarget,
  kind: "git" | "upload",
): Promise<Catalog | undefined> {
  if ("catalogId" in target) {
    const catalog = await requireCatalog(deps, actor, target.catalogId, "write");
    requireSourceKind(catalog, kind, "catalogId");
    return catalog;
  }
  await requireTeamRole(deps, actor, target.teamId, CATALOG_AUTHOR_ROLE);
  return undefined;
}

/** Refuses to import into a catalog that another kind of source fills. */
export function requireSourceKind(
  catalog: Catalog,
  kind: "git" | "upload",
  field: "catalogId" | "name",
): void {
  if (catalog.sourceKind === kind) return;
  throw new AppError(
    "INVALID_INPUT",
    `catalog '${catalog.name}' is imported ${importedHow(catalog.sourceKind)}, not ${importedHow(kind)}`,
    field,
  );
}

function importedHow(sourceKind: string): string {
  return sourceKind === "git" ? "from git" : `by ${sourceKind}`;
}

export async function importCatalogUpload(
  deps: ServerDeps,
  actor: Actor,
  input: TImportUploadInput,
): Promise<TImportResult> {
  const known = await authorizeCatalogImport(deps, actor, input.target, "upload");
  const subdir = input.subdir ? checkSubdir(input.subdir) : undefined;
  const given = input.slot;
  if (given) return importArchive(deps, actor, input, { known, subdir, slot: given });
  return withImportSlot(deps, "catalog upload", (slot) =>
    importArchive(deps, actor, input, { known, subdir, slot }),
  );
}

async function importArchive(
  deps: ServerDeps,
  actor: Actor,
  input: TImportUploadInput,
  context: { known: Catalog | undefined; subdir: string | undefined; slot: TImportSlot },
): Promise<TImportResult> {
  const { known, subdir } = context;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "kiln-catalog-upload-"));
  try {
    await extractTarSafely({
      source: input.body,
      dir: tmp,
      limits: catalogLimits(deps.config),
      what: "catalog upload",
      reserve: context.slot.reserve,
    });
    const root = subdir ? subdirOf(tmp, subdir, "catalog upload") : chooseCatalogRoot(tmp);
    // The catalog is created only once the archive has proved good.
    const catalog =
      known ??
      (await findOrCreateCatalog(deps, actor, {
        ...(input.target as Exclude<TCatalogTarget, { catalogId: string }>),
        sourceKind: "upload",
      }));
    requireSourceKind(catalog, "upload", "name");
    const { version, created } = await importCatalogTree(deps, {
      catalogId: catalog.id,
      dir: root,
      origin: input.fileName.slice(0, 200),
      createdById: actor.userId,
      what: "catalog upload",
    });
    await audit(deps, actor, "catalog.import", `catalog:${catalog.id}`, {
      source: "upload",
      fileName: input.fileName,
      sha256: version.sha256,
      created,
    });
    return { catalogId: catalog.id, version: toVersionSummary(version), created };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A relative directory inside an archive or repository: no `..`, no leading `/`. */
export function checkSubdir(subdir: string): string {
  const segs = subdir.split("/").filter((s) => s !== "" && s !== ".");
  if (
    subdir.startsWith("/") ||
    segs.includes("..") ||
    /[\0\n:]/.test(subdir) ||
    subdir.startsWith("-")
  ) {
    throw new AppError(
      "INVALID_INPUT",
      `subdirectory '${subdir}' must be a relative path inside the tree`,
      "subdir",
    );
  }
  return segs.join("/");
}

/** The extracted subdirectory, which must be a real directory (not a symlink). */
export function subdirOf(root: string, subdir: string, what: string): string {
  if (!subdir) return root;
  const segs = subdir.split("/");
  let isDir = true;
  // Every component must be a real directory: a symlink could lead elsewhere.
  for (let i = 1; i <= segs.length && isDir; i++) {
    try {
      isDir = lstatSync(path.join(root, ...segs.slice(0, i))).isDirectory();
    } catch {
      isDir = false;
    }
  }
  const dir = path.join(root, ...segs);
  if (!isDir)
    throw new AppError(
      "INVALID_INPUT",
      `${what} rejected: subdirectory '${subdir}' is not in the archive`,
      "subdir",
    );
  return dir;
}
