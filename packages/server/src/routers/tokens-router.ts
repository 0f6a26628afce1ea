import { z } from "zod";
import { ZApiTokenScope } from "../services/tokens/api-token-view.ts";
import { createApiToken } from "../services/tokens/create-api-token.ts";
import { listApiTokens } from "../services/tokens/list-api-tokens.ts";
import { revokeApiToken } from "../services/tokens/revoke-api-token.ts";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";

/** The caller's own API tokens. */
export const tokensRouter = router({
  list: authedProcedure.query(({ ctx }) => listApiTokens(ctx.deps, ctx.actor)),

  /** Returns the token itself this once; lists show only its prefix. */
  create: writeProcedure
    .input(
      z.object({
        name: z.string().max(200),
        scopes: z.array(ZApiTokenScope).min(1).max(3).optional(),
        expiresAt: z.date().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      createApiToken(ctx.deps, ctx.actor, { ...input, userId: ctx.actor.userId }),
    ),

  revoke: writeProcedure
    .input(z.object({ tokenId: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => revokeApiToken(ctx.deps, ctx.actor, input)),
});
