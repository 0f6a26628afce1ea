/** Catalogs: list, read, create, import from git. Tarball uploads go through handleCatalogUpload (HTTP). */
import { z } from "zod";
import { importCatalogGit, refreshCatalogGit } from "../services/catalogs/import-catalog-git.ts";
import {
  createCatalog,
  getCatalog,
  listCatalogs,
  ZCatalogName,
  ZCatalogVisibility,
} from "../services/catalogs/manage-catalogs.ts";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";

const ZNewCatalog = z.object({
  teamId: z.string().min(1),
  name: ZCatalogName,
  description: z.string().max(2000).optional(),
  visibility: ZCatalogVisibility.optional(),
});

/** Import into an existing catalog, or into a new one made on the first good import. */
const ZTarget = z.union([z.object({ catalogId: z.string().min(1) }), ZNewCatalog]);

export const catalogsRouter = router({
  list: authedProcedure
    .input(z.object({ teamId: z.string().optional() }).default({}))
    .query(({ ctx, input }) => listCatalogs(ctx.deps, ctx.actor, input)),

  get: authedProcedure
    .input(z.object({ catalogId: z.string().min(1) }))
    .query(({ ctx, input }) => getCatalog(ctx.deps, ctx.actor, input)),

  create: writeProcedure
    .input(ZNewCatalog)
    .mutation(({ ctx, input }) => createCatalog(ctx.deps, ctx.actor, input)),

  importGit: writeProcedure
    .input(
      z.object({
        target: ZTarget,
        url: z.string().min(1).max(2000),
        ref: z.string().min(1).max(200).optional(),
        subdir: z.string().max(500).optional(),
      }),
    )
    .mutation(({ ctx, input }) => importCatalogGit(ctx.deps, ctx.actor, input)),

  refreshGit: writeProcedure
    .input(z.object({ catalogId: z.string().min(1) }))
    .mutation(({ ctx, input }) => refreshCatalogGit(ctx.deps, ctx.actor, input)),
});
