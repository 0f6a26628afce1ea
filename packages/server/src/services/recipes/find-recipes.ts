/**
 * Reading recipes. Private recipes are seen by their team's members only
 * (others get NOT_FOUND, not FORBIDDEN); public ones by every signed-in user.
 * Secret values never leave this layer: they come back as `{ name, secret: true }`.
 */
import type { RecipeModel as Recipe, RecipeVersionModel as RecipeVersion } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { readableTeamIds, requireTeamRole } from "../access.ts";
import { decryptSecret } from "./recipe-secrets.ts";
import { storedEnv, storedVersionColumns } from "./stored-version.ts";

export interface TRecipeSummary {
  id: string;
  teamId: string;
  name: string;
  description: string;
  visibility: string;
  keepBuilds: number | null;
  /** Builds with secrets may run on shared agent pools. */
  allowSharedPools: boolean;
  createdAt: Date;
  archivedAt: Date | null;
  latestVersion: number | null;
  updatedAt: Date | null;
}

export interface TEnvVarView {
  name: string;
  /** Absent for secrets. */
  value?: string;
  secret: boolean;
  multiline: boolean;
}

export interface TRecipeVersionView {
  id: string;
  recipeId: string;
  version: number;
  elements: string[];
  env: TEnvVarView[];
  outputTypes: string[];
  imageSizeGb: number | null;
  arch: string;
  agentLabels: Record<string, string>;
  catalogVersions: { id: string; catalogId: string; catalogName: string; sha256: string }[];
  message: string;
  createdById: string | null;
  createdAt: Date;
}

type VersionWithCatalogs = RecipeVersion & {
  catalogs: {
    position: number;
    catalogVersion: { id: string; catalogId: string; sha256: string; catalog: { name: string } };
  }[];
};

export const versionInclude = {
  catalogs: {
    orderBy: { position: "asc" as const },
    include: { catalogVersion: { include: { catalog: { select: { name: true } } } } },
  },
};

export { storedEnv };

export function toVersionView(v: VersionWithCatalogs): TRecipeVersionView {
  return {
    id: v.id,
    recipeId: v.recipeId,
    version: v.version,
    ...storedVersionColumns(v),
    env: storedEnv(v).map((e) =>
      e.secret
        ? { name: e.name, secret: true, multiline: !!e.multiline }
        : { name: e.name, value: e.value, secret: false, multiline: !!e.multiline },
    ),
    imageSizeGb: v.imageSizeGb,
    arch: v.arch,
    catalogVersions: v.catalogs.map((c) => ({
      id: c.catalogVersion.id,
      catalogId: c.catalogVersion.catalogId,
      catalogName: c.catalogVersion.catalog.name,
      sha256: c.catalogVersion.sha256,
    })),
    message: v.message,
    createdById: v.createdById,
    createdAt: v.createdAt,
  };
}

function toSummary(r: Recipe, latest?: RecipeVersion): TRecipeSummary {
  return {
    id: r.id,
    teamId: r.teamId,
    name: r.name,
    description: r.description,
    visibility: r.visibility,
    keepBuilds: r.keepBuilds,
    allowSharedPools: r.allowSharedPools,
    createdAt: r.createdAt,
    archivedAt: r.archivedAt,
    latestVersion: latest?.version ?? null,
    updatedAt: latest?.createdAt ?? null,
  };
}

/** The recipe if the actor may read it (write: member of its team). */
export async function requireRecipe(
  deps: ServerDeps,
  actor: Actor,
  recipeId: string,
  need: "read" | "write",
): Promise<Recipe> {
  const r = await deps.db.prisma.recipe.findUnique({ where: { id: recipeId } });
  if (!r) throw new AppError("NOT_FOUND", "recipe not found", "recipeId");
  if (need === "write") await requireTeamRole(deps, actor, r.teamId, "member", "recipe");
  else if (r.visibility !== "public")
    await requireTeamRole(deps, actor, r.teamId, "viewer", "recipe");
  return r;
}

export async function listRecipes(
  deps: ServerDeps,
  actor: Actor,
  input: { teamId?: string; search?: string; includeArchived?: boolean } = {},
): Promise<TRecipeSummary[]> {
  const teams = await readableTeamIds(deps, actor);
  const search = input.search?.trim().toLowerCase();
  const recipes = await deps.db.prisma.recipe.findMany({
    where: {
      AND: [
        teams === "all" ? {} : { OR: [{ visibility: "public" }, { teamId: { in: teams } }] },
        input.teamId ? { teamId: input.teamId } : {},
        search ? { name: { contains: search } } : {},
        input.includeArchived ? {} : { archivedAt: null },
      ],
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    include: { versions: { orderBy: { version: "desc" }, take: 1 } },
  });
  return recipes.map((r) => toSummary(r, r.versions[0]));
}

export async function getRecipe(
  deps: ServerDeps,
  actor: Actor,
  input: { recipeId: string; version?: number },
): Promise<TRecipeSummary & { current: TRecipeVersionView | null; canEdit: boolean }> {
  const r = await requireRecipe(deps, actor, input.recipeId, "read");
  const v = await deps.db.prisma.recipeVersion.findFirst({
    where: { recipeId: r.id, ...(input.version !== undefined ? { version: input.version } : {}) },
    orderBy: { version: "desc" },
    include: versionInclude,
  });
  if (input.version !== undefined && !v) {
    throw new AppError("NOT_FOUND", `recipe version ${input.version} not found`, "version");
  }
  const latest = await deps.db.prisma.recipeVersion.findFirst({
    where: { recipeId: r.id },
    orderBy: { version: "desc" },
  });
  const canEdit = await requireRecipe(deps, actor, r.id, "write").then(
    () => true,
    () => false,
  );
  return { ...toSummary(r, latest ?? undefined), current: v ? toVersionView(v) : null, canEdit };
}

export async function listRecipeVersions(
  deps: ServerDeps,
  actor: Actor,
  input: { recipeId: string },
): Promise<TRecipeVersionView[]> {
  const r = await requireRecipe(deps, actor, input.recipeId, "read");
  const versions = await deps.db.prisma.recipeVersion.findMany({
    where: { recipeId: r.id },
    orderBy: { version: "desc" },
    include: versionInclude,
  });
  return versions.map(toVersionView);
}

/** What a build of this version needs, secrets decrypted. Server-internal: never send to a browser. */
export interface TRecipeVersionForBuild {
  recipeId: string;
  teamId: string;
  recipeVersionId: string;
  version: number;
  elements: string[];
  /** Every variable with its plain value (secrets included: for agents only). */
  env: Record<string, string>;
  /** Names of the secret variables, so logs can mask them. */
  secretNames: string[];
  outputTypes: string[];
  imageSizeGb: number | null;
  arch: string;
  agentLabels: Record<string, string>;
  /** The elements path, in order. */
  catalogVersions: { id: string; sha256: string; storageKey: string; catalogName: string }[];
}

export async function getRecipeVersionForBuild(
  deps: ServerDeps,
  recipeVersionId: string,
): Promise<TRecipeVersionForBuild> {
  const v = await deps.db.prisma.recipeVersion.findUnique({
    where: { id: recipeVersionId },
    include: { recipe: true, ...versionInclude },
  });
  if (!v) throw new AppError("NOT_FOUND", "recipe version not found", "recipeVersionId");
  const env: Record<string, string> = {};
  const secretNames: string[] = [];
  for (const e of storedEnv(v)) {
    env[e.name] = e.secret ? decryptSecret(deps.config, v.recipeId, e.name, e.value) : e.value;
    if (e.secret) secretNames.push(e.name);
  }
  return {
    recipeId: v.recipeId,
    teamId: v.recipe.teamId,
    recipeVersionId: v.id,
    version: v.version,
    ...storedVersionColumns(v),
    env,
    secretNames,
    imageSizeGb: v.imageSizeGb,
    arch: v.arch,
    catalogVersions: v.catalogs.map((c) => ({
      id: c.catalogVersion.id,
      sha256: c.catalogVersion.sha256,
      storageKey: c.catalogVersion.storageKey,
      catalogName: c.catalogVersion.catalog.name,
    })),
  };
}
