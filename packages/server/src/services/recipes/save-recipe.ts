/**
 * Creating recipes and saving immutable versions. Every save is validated in
 * full before anything is written: input shape, environment, catalog access,
 * then resolution with the engine over the chosen catalog versions (a missing
 * element, a provides conflict or no operating system fails on `elements`).
 */
import { isUniqueViolation } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, requireTeamRole } from "../access.ts";
import { requireCatalogVersion } from "../catalogs/manage-catalogs.ts";
import {
  resolveAcrossCatalogs,
  type TPathVersion,
  type TResolution,
} from "../catalogs/resolve-catalog-elements.ts";
import {
  requireRecipe,
  storedEnv,
  toVersionView,
  versionInclude,
  type TRecipeVersionView,
} from "./find-recipes.ts";
import {
  checkEnv,
  parseOrThrow,
  ZRecipeName,
  ZRecipeVersionInput,
  ZRecipeVisibility,
  type TRecipeVersionInput,
  type TRecipeVersionParsed,
  type TStoredEnvVar,
} from "./recipe-input.ts";
import { decryptSecret, encryptSecret } from "./recipe-secrets.ts";

/** The editor's live check: a bad recipe is a result (message and field), not an error. */
export async function checkRecipeVersion(
  deps: ServerDeps,
  actor: Actor,
  input: { teamId: string; recipeId?: string; version: unknown },
): Promise<
  | { ok: true; resolution: TResolution }
  | { ok: false; error: { message: string; field: string | null } }
> {
  let previousEnv: TStoredEnvVar[] = [];
  if (input.recipeId) {
    const recipe = await requireRecipe(deps, actor, input.recipeId, "read");
    const latest = await deps.db.prisma.recipeVersion.findFirst({
      where: { recipeId: recipe.id },
      orderBy: { version: "desc" },
    });
    previousEnv = latest ? storedEnv(latest) : [];
  }
  try {
    const { resolution } = await validateRecipeVersion(deps, actor, {
      teamId: input.teamId,
      version: input.version as TRecipeVersionInput,
      previousEnv,
    });
    return { ok: true, resolution };
  } catch (err) {
    if (err instanceof AppError && err.code === "INVALID_INPUT") {
      return { ok: false, error: { message: err.message, field: err.field ?? null } };
    }
    throw err;
  }
}

/**
 * Validates a version for a team without saving it.
 * Throws AppError with the field at fault; returns the resolution.
 */
export async function validateRecipeVersion(
  deps: ServerDeps,
  actor: Actor,
  input: { teamId: string; version: TRecipeVersionInput; previousEnv?: TStoredEnvVar[] },
): Promise<{ parsed: TRecipeVersionParsed; resolution: TResolution }> {
  await requireTeamRole(deps, actor, input.teamId, "viewer");
  const parsed = parseOrThrow(ZRecipeVersionInput, input.version);
  checkEnv(parsed.env, input.previousEnv ?? []);

  const path: TPathVersion[] = [];
  for (const [i, id] of parsed.catalogVersionIds.entries()) {
    const field = `catalogVersionIds.${i}`;
    const v = await requireCatalogVersion(deps, actor, id, field);
    const c = v.catalog;
    if (c.teamId !== null && c.teamId !== input.teamId && c.visibility !== "public") {
      throw new AppError(
        "INVALID_INPUT",
        `catalog '${c.name}' belongs to another team and is not public`,
        field,
      );
    }
    path.push({ id: v.id, sha256: v.sha256, storageKey: v.storageKey, catalogName: c.name });
  }
  if (new Set(parsed.catalogVersionIds).size !== parsed.catalogVersionIds.length) {
    throw new AppError("INVALID_INPUT", "a catalog version is listed twice", "catalogVersionIds");
  }
  const env = Object.fromEntries(
    parsed.env
      .filter((e) => !e.secret && e.value !== undefined)
      .map((e) => [e.name, e.value as string]),
  );
  const resolution = await resolveAcrossCatalogs(deps, path, {
    elements: parsed.elements,
    arch: parsed.arch,
    env,
  });
  return { parsed, resolution };
}

export interface TCreateRecipeInput {
  teamId: string;
  name: string;
  description?: string;
  visibility?: "private" | "public";
  keepBuilds?: number | null;
  version: TRecipeVersionInput;
}

export async function createRecipe(
  deps: ServerDeps,
  actor: Actor,
  input: TCreateRecipeInput,
): Promise<{ recipeId: string; version: TRecipeVersionView }> {
  await requireTeamRole(deps, actor, input.teamId, "member");
  const name = parseOrThrow(ZRecipeName, input.name, "name");
  const visibility = parseOrThrow(ZRecipeVisibility, input.visibility ?? "private", "visibility");
  const { parsed } = await validateRecipeVersion(deps, actor, {
    teamId: input.teamId,
    version: input.version,
  });
  try {
    const result = await deps.db.prisma.$transaction(async (tx) => {
      const recipe = await tx.recipe.create({
        data: {
          teamId: input.teamId,
          name,
          description: input.description ?? "",
          visibility,
          keepBuilds: input.keepBuilds ?? null,
          createdAt: deps.now(),
        },
      });
      const v = await tx.recipeVersion.create({
        data: versionData(deps, actor, recipe.id, 1, parsed, []),
        include: versionInclude,
      });
      return { recipeId: recipe.id, version: toVersionView(v) };
    });
    await audit(deps, actor, "recipe.create", `recipe:${result.recipeId}`, {
      name,
      teamId: input.teamId,
    });
    return result;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError("CONFLICT", `the team already has a recipe named '${name}'`, "name");
    }
    throw err;
  }
}

export async function saveRecipeVersion(
  deps: ServerDeps,
  actor: Actor,
  input: TRecipeVersionInput & { recipeId: string; baseVersion?: number },
): Promise<TRecipeVersionView> {
  const recipe = await requireRecipe(deps, actor, input.recipeId, "write");
  const latest = await deps.db.prisma.recipeVersion.findFirst({
    where: { recipeId: recipe.id },
    orderBy: { version: "desc" },
  });
  const next = (latest?.version ?? 0) + 1;
  if (input.baseVersion !== undefined && input.baseVersion !== (latest?.version ?? 0)) {
    throw new AppError(
      "CONFLICT",
      `recipe was saved as version ${latest?.version} since you opened version ${input.baseVersion}; reload`,
      "baseVersion",
    );
  }
  const previousEnv = latest ? storedEnv(latest) : [];
  const version: Partial<typeof input> = { ...input };
  delete version.recipeId;
  delete version.baseVersion;
  const { parsed } = await validateRecipeVersion(deps, actor, {
    teamId: recipe.teamId,
    version: version as TRecipeVersionInput,
    previousEnv,
  });
  try {
    const v = await deps.db.prisma.recipeVersion.create({
      data: versionData(deps, actor, recipe.id, next, parsed, previousEnv),
      include: versionInclude,
    });
    await audit(deps, actor, "recipe.save", `recipe:${recipe.id}`, { version: next });
    return toVersionView(v);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError(
        "CONFLICT",
        "someone saved this recipe at the same moment; reload",
        "baseVersion",
      );
    }
    throw err;
  }
}

export async function updateRecipe(
  deps: ServerDeps,
  actor: Actor,
  input: {
    recipeId: string;
    name?: string;
    description?: string;
    visibility?: "private" | "public";
    keepBuilds?: number | null;
    archived?: boolean;
    /** Builds with secrets may run on shared agent pools (maintainers and above). */
    allowSharedPools?: boolean;
  },
): Promise<void> {
  const recipe = await requireRecipe(deps, actor, input.recipeId, "write");
  const data: Record<string, unknown> = {};
  if (input.allowSharedPools !== undefined) {
    // Hands the recipe's secrets to hosts other teams' hooks also run on.
    await requireTeamRole(deps, actor, recipe.teamId, "maintainer");
    data.allowSharedPools = input.allowSharedPools;
  }
  if (input.name !== undefined) data.name = parseOrThrow(ZRecipeName, input.name, "name");
  if (input.visibility !== undefined)
    data.visibility = parseOrThrow(ZRecipeVisibility, input.visibility, "visibility");
  if (input.description !== undefined) data.description = input.description.slice(0, 2000);
  if (input.keepBuilds !== undefined) {
    if (
      input.keepBuilds !== null &&
      (!Number.isInteger(input.keepBuilds) || input.keepBuilds < 1)
    ) {
      throw new AppError(
        "INVALID_INPUT",
        "keepBuilds must be a whole number of at least 1",
        "keepBuilds",
      );
    }
    data.keepBuilds = input.keepBuilds;
  }
  if (input.archived !== undefined) data.archivedAt = input.archived ? deps.now() : null;
  try {
    await deps.db.prisma.recipe.update({ where: { id: recipe.id }, data });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError("CONFLICT", `the team already has a recipe named '${input.name}'`, "name");
    throw err;
  }
  await audit(deps, actor, "recipe.update", `recipe:${recipe.id}`, { fields: Object.keys(data) });
}

/**
 * The row for a new version. A secret given again with the value it already
 * had keeps its old ciphertext, so history shows it unchanged.
 */
function versionData(
  deps: ServerDeps,
  actor: Actor,
  recipeId: string,
  version: number,
  parsed: TRecipeVersionParsed,
  previousEnv: TStoredEnvVar[],
) {
  const env: TStoredEnvVar[] = parsed.env.map((e) => {
    const entry: TStoredEnvVar = { name: e.name, value: "", secret: e.secret };
    if (e.multiline) entry.multiline = true;
    if (!e.secret) return { ...entry, value: e.value as string };
    const prior = previousEnv.find((p) => p.name === e.name && p.secret);
    if (
      prior &&
      (e.value === undefined ||
        decryptSecret(deps.config, recipeId, e.name, prior.value) === e.value)
    ) {
      return { ...entry, value: prior.value };
    }
    return { ...entry, value: encryptSecret(deps.config, recipeId, e.name, e.value as string) };
  });
  return {
    recipeId,
    version,
    elements: JSON.stringify(parsed.elements),
    env: JSON.stringify(env),
    outputTypes: JSON.stringify(parsed.outputTypes),
    imageSizeGb: parsed.imageSizeGb,
    arch: parsed.arch,
    agentLabels: JSON.stringify(parsed.agentLabels),
    message: parsed.message,
    createdById: actor.userId,
    createdAt: deps.now(),
    catalogs: {
      create: parsed.catalogVersionIds.map((catalogVersionId, position) => ({
        catalogVersionId,
        position,
      })),
    },
  };
}
