/**
 * Catalogs and who may see them. The built-in catalog (teamId null) and
 * catalogs marked public are readable by every signed-in user; a team's other
 * catalogs by its members. Importing into a team catalog needs the member role.
 */
import {
  isUniqueViolation,
  type CatalogModel as Catalog,
  type CatalogVersionModel as CatalogVersion,
} from "@kiln/db/client";
import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, CATALOG_AUTHOR_ROLE, readableTeamIds, requireTeamRole } from "../access.ts";
import { importCatalogTree, type TImportTreeResult } from "./import-catalog-tree.ts";
import { ZResourceName } from "../resource-name.ts";

/** Fixed id of the built-in catalog: NULL team ids make @@unique([teamId, name]) useless for it. */
export const BUILTIN_CATALOG_ID = "builtin";

export const ZCatalogName = ZResourceName;
export const ZCatalogVisibility = z.enum(["team", "public"]);

export interface TCatalogVersionSummary {
  id: string;
  catalogId: string;
  sha256: string;
  sizeBytes: number;
  elementCount: number;
  origin: string;
  createdById: string | null;
  createdAt: Date;
}

export interface TCatalogSummary {
  id: string;
  teamId: string | null;
  name: string;
  description: string;
  sourceKind: string;
  sourceUrl: string | null;
  sourceRef: string | null;
  sourceSubdir: string | null;
  visibility: string;
  createdAt: Date;
  latestVersion: TCatalogVersionSummary | null;
}

export function toVersionSummary(v: CatalogVersion): TCatalogVersionSummary {
  return {
    id: v.id,
    catalogId: v.catalogId,
    sha256: v.sha256,
    sizeBytes: v.sizeBytes,
    elementCount: v.elementCount,
    origin: v.origin,
    createdById: v.createdById,
    createdAt: v.createdAt,
  };
}

function toSummary(c: Catalog, latest: CatalogVersion | undefined): TCatalogSummary {
  return {
    id: c.id,
    teamId: c.teamId,
    name: c.name,
    description: c.description,
    sourceKind: c.sourceKind,
    sourceUrl: c.sourceUrl,
    sourceRef: c.sourceRef,
    sourceSubdir: c.sourceSubdir,
    visibility: c.visibility,
    createdAt: c.createdAt,
    latestVersion: latest ? toVersionSummary(latest) : null,
  };
}

/** The catalog if the actor may read it (write: member of its team); NOT_FOUND otherwise. */
export async function requireCatalog(
  deps: ServerDeps,
  actor: Actor,
  catalogId: string,
  need: "read" | "write",
): Promise<Catalog> {
  const c = await deps.db.prisma.catalog.findUnique({ where: { id: catalogId } });
  if (!c) throw new AppError("NOT_FOUND", "catalog not found", "catalogId");
  if (need === "write") {
    if (!c.teamId)
      throw new AppError("FORBIDDEN", "the built-in catalog is registered by the server");
    await requireTeamRole(deps, actor, c.teamId, CATALOG_AUTHOR_ROLE, "catalog");
    return c;
  }
  if (c.teamId === null || c.visibility === "public") return c;
  await requireTeamRole(deps, actor, c.teamId, "viewer", "catalog");
  return c;
}

/** A catalog version the actor may read, with its catalog. */
export async function requireCatalogVersion(
  deps: ServerDeps,
  actor: Actor,
  catalogVersionId: string,
  field = "catalogVersionId",
): Promise<CatalogVersion & { catalog: Catalog }> {
  const v = await deps.db.prisma.catalogVersion.findUnique({
    where: { id: catalogVersionId },
    include: { catalog: true },
  });
  if (!v) throw new AppError("NOT_FOUND", `catalog version '${catalogVersionId}' not found`, field);
  try {
    await requireCatalog(deps, actor, v.catalogId, "read");
  } catch (err) {
    if (err instanceof AppError) {
      throw new AppError("NOT_FOUND", `catalog version '${catalogVersionId}' not found`, field);
    }
    throw err;
  }
  return v;
}

export interface TCreateCatalogInput {
  teamId: string;
  name: string;
  description?: string;
  visibility?: "team" | "public";
  sourceKind?: "upload" | "git";
  sourceUrl?: string | null;
  sourceRef?: string | null;
  sourceSubdir?: string | null;
}

export async function createCatalog(
  deps: ServerDeps,
  actor: Actor,
  input: TCreateCatalogInput,
): Promise<TCatalogSummary> {
  await requireTeamRole(deps, actor, input.teamId, CATALOG_AUTHOR_ROLE);
  const name = ZCatalogName.safeParse(input.name);
  if (!name.success) {
    throw new AppError("INVALID_INPUT", `catalog name: ${name.error.issues[0]?.message}`, "name");
  }
  try {
    const c = await deps.db.prisma.catalog.create({
      data: {
        teamId: input.teamId,
        name: input.name,
        description: input.description ?? "",
        visibility: input.visibility ?? "team",
        sourceKind: input.sourceKind ?? "upload",
        sourceUrl: input.sourceUrl ?? null,
        sourceRef: input.sourceRef ?? null,
        sourceSubdir: input.sourceSubdir ?? null,
        createdAt: deps.now(),
      },
    });
    await audit(deps, actor, "catalog.create", `catalog:${c.id}`, {
      name: c.name,
      teamId: c.teamId,
    });
    return toSummary(c, undefined);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError(
        "CONFLICT",
        `the team already has a catalog named '${input.name}'`,
        "name",
      );
    }
    throw err;
  }
}

/** The team's catalog of that name, created when missing (upload and git imports). */
export async function findOrCreateCatalog(
  deps: ServerDeps,
  actor: Actor,
  input: TCreateCatalogInput,
): Promise<Catalog> {
  await requireTeamRole(deps, actor, input.teamId, CATALOG_AUTHOR_ROLE);
  const where = { teamId_name: { teamId: input.teamId, name: input.name } };
  const found = await deps.db.prisma.catalog.findUnique({ where });
  if (found) return found;
  try {
    await createCatalog(deps, actor, input);
  } catch (err) {
    if (!(err instanceof AppError && err.code === "CONFLICT")) throw err;
  }
  return deps.db.prisma.catalog.findUniqueOrThrow({ where });
}

export async function listCatalogs(
  deps: ServerDeps,
  actor: Actor,
  input: { teamId?: string } = {},
): Promise<TCatalogSummary[]> {
  const teams = await readableTeamIds(deps, actor);
  const visible =
    teams === "all"
      ? {}
      : { OR: [{ teamId: null }, { visibility: "public" }, { teamId: { in: teams } }] };
  const where = input.teamId ? { AND: [visible, { teamId: input.teamId }] } : visible;
  const catalogs = await deps.db.prisma.catalog.findMany({
    where,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    include: { versions: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } },
  });
  return catalogs.map((c) => toSummary(c, c.versions[0]));
}

export async function getCatalog(
  deps: ServerDeps,
  actor: Actor,
  input: { catalogId: string },
): Promise<TCatalogSummary & { versions: TCatalogVersionSummary[] }> {
  const c = await requireCatalog(deps, actor, input.catalogId, "read");
  const versions = await deps.db.prisma.catalogVersion.findMany({
    where: { catalogId: c.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return { ...toSummary(c, versions[0]), versions: versions.map(toVersionSummary) };
}

/**
 * Registers Kiln's own elements directory as the `builtin` catalog (server
 * start). Idempotent: unchanged elements give the existing version.
 */
export async function registerBuiltinCatalog(deps: ServerDeps): Promise<TImportTreeResult> {
  const dir = deps.config.builtinElementsDir;
  const data = {
    name: "builtin",
    description: "Kiln's built-in elements",
    sourceKind: "builtin",
    sourceUrl: dir,
    visibility: "public",
  };
  const upsert = () =>
    deps.db.prisma.catalog.upsert({
      where: { id: BUILTIN_CATALOG_ID },
      create: { id: BUILTIN_CATALOG_ID, teamId: null, ...data, createdAt: deps.now() },
      update: { sourceUrl: dir },
    });
  try {
    await upsert();
  } catch (err) {
    // A second server starting at the same moment created it first.
    if (!isUniqueViolation(err)) throw err;
    await upsert();
  }
  return importCatalogTree(deps, {
    catalogId: BUILTIN_CATALOG_ID,
    dir,
    origin: `kiln ${deps.config.version}`,
    createdById: null,
    what: "built-in catalog",
  });
}
