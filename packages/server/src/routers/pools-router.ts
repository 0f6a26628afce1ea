import { z } from "zod";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";
import {
  createPool,
  deletePool,
  listPools,
  setPoolSharedWithAll,
  sharePool,
  ZCreatePoolInput,
} from "../services/pools/manage-pools.ts";

const ZPoolId = z.object({ poolId: z.string().min(1) });

/** Agent pools: shared ones are the administrators', a team's own are its owners'. */
export const poolsRouter = router({
  list: authedProcedure.query(({ ctx }) => listPools(ctx.deps, ctx.actor)),
  create: writeProcedure
    .input(ZCreatePoolInput)
    .mutation(({ ctx, input }) => createPool(ctx.deps, ctx.actor, input)),
  share: writeProcedure
    .input(ZPoolId.extend({ teamId: z.string().min(1), shared: z.boolean().default(true) }))
    .mutation(({ ctx, input }) => sharePool(ctx.deps, ctx.actor, input)),
  shareWithAll: writeProcedure
    .input(ZPoolId.extend({ sharedWithAll: z.boolean() }))
    .mutation(({ ctx, input }) => setPoolSharedWithAll(ctx.deps, ctx.actor, input)),
  delete: writeProcedure
    .input(ZPoolId)
    .mutation(({ ctx, input }) => deletePool(ctx.deps, ctx.actor, input.poolId)),
});
