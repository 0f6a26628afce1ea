/** Recipes and their immutable versions. Secret values go in, never out. */
import { z } from "zod";
import { diffRecipeVersions } from "../services/recipes/diff-recipe-versions.ts";
import { getRecipe, listRecipes, listRecipeVersions } from "../services/recipes/find-recipes.ts";
import {
  ZRecipeName,
  ZRecipeVersionInput,
  ZRecipeVisibility,
} from "../services/recipes/recipe-input.ts";
import {
  checkRecipeVersion,
  createRecipe,
  saveRecipeVersion,
  updateRecipe,
} from "../services/recipes/save-recipe.ts";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";

const ZKeepBuilds = z.number().int().min(1).max(100_000).nullable();

export const recipesRouter = router({
  list: authedProcedure
    .input(
      z
        .object({
          teamId: z.string().optional(),
          search: z.string().max(200).optional(),
          includeArchived: z.boolean().optional(),
        })
        .default({}),
    )
    .query(({ ctx, input }) => listRecipes(ctx.deps, ctx.actor, input)),

  get: authedProcedure
    .input(z.object({ recipeId: z.string().min(1), version: z.number().int().min(1).optional() }))
    .query(({ ctx, input }) => getRecipe(ctx.deps, ctx.actor, input)),

  versions: authedProcedure
    .input(z.object({ recipeId: z.string().min(1) }))
    .query(({ ctx, input }) => listRecipeVersions(ctx.deps, ctx.actor, input)),

  diff: authedProcedure
    .input(
      z.object({
        recipeId: z.string().min(1),
        from: z.number().int().min(1),
        to: z.number().int().min(1),
      }),
    )
    .query(({ ctx, input }) => diffRecipeVersions(ctx.deps, ctx.actor, input)),

  /** Live validation for the editor: a bad recipe comes back as `{ ok: false, error: { message, field } }`. */
  validate: authedProcedure
    .input(
      z.object({
        teamId: z.string().min(1),
        recipeId: z.string().optional(),
        version: z.unknown(),
      }),
    )
    .query(({ ctx, input }) => checkRecipeVersion(ctx.deps, ctx.actor, input)),

  create: writeProcedure
    .input(
      z.object({
        teamId: z.string().min(1),
        name: ZRecipeName,
        description: z.string().max(2000).optional(),
        visibility: ZRecipeVisibility.optional(),
        keepBuilds: ZKeepBuilds.optional(),
        version: ZRecipeVersionInput,
      }),
    )
    .mutation(({ ctx, input }) => createRecipe(ctx.deps, ctx.actor, input)),

  save: writeProcedure
    .input(
      ZRecipeVersionInput.extend({
        recipeId: z.string().min(1),
        baseVersion: z.number().int().min(0).optional(),
      }),
    )
    .mutation(({ ctx, input }) => saveRecipeVersion(ctx.deps, ctx.actor, input)),

  update: writeProcedure
    .input(
      z.object({
        recipeId: z.string().min(1),
        name: ZRecipeName.optional(),
        description: z.string().max(2000).optional(),
        visibility: ZRecipeVisibility.optional(),
        keepBuilds: ZKeepBuilds.optional(),
        allowSharedPools: z.boolean().optional(),
        archived: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateRecipe(ctx.deps, ctx.actor, input)),
});
