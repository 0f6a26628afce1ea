import { z } from "zod";
import { listAuditEvents } from "../services/auth/list-audit-events.ts";
import { adminProcedure, router } from "../trpc.ts";

/** The audit log (administrators). */
export const auditRouter = router({
  list: adminProcedure
    .input(
      z
        .object({
          cursor: z.string().max(100).optional(),
          limit: z.number().int().min(1).max(200).optional(),
          action: z.string().max(100).optional(),
          actorId: z.string().max(100).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listAuditEvents(ctx.deps, ctx.actor, input ?? {})),
});
