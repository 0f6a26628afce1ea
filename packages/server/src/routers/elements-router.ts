/** Elements of catalog versions: the table, one element's page, resolution across versions. */
import { z } from "zod";
import {
  getCatalogElement,
  listCatalogElements,
} from "../services/catalogs/find-catalog-elements.ts";
import { resolveElements, ZResolveInput } from "../services/catalogs/resolve-catalog-elements.ts";
import { authedProcedure, router } from "../trpc.ts";

export const elementsRouter = router({
  list: authedProcedure
    .input(
      z.object({ catalogVersionId: z.string().min(1), search: z.string().max(200).optional() }),
    )
    .query(({ ctx, input }) => listCatalogElements(ctx.deps, ctx.actor, input)),

  get: authedProcedure
    .input(z.object({ catalogVersionId: z.string().min(1), name: z.string().min(1).max(200) }))
    .query(({ ctx, input }) => getCatalogElement(ctx.deps, ctx.actor, input)),

  resolve: authedProcedure
    .input(ZResolveInput)
    .query(({ ctx, input }) => resolveElements(ctx.deps, ctx.actor, input)),
});
