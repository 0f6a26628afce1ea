import { z } from "zod";
import { createUser } from "../services/users/create-user.ts";
import { listUsers } from "../services/users/list-users.ts";
import { setUserDisabled, setUserRole } from "../services/users/update-user.ts";
import { ZUserRole } from "../services/users/user-view.ts";
import { adminProcedure, router } from "../trpc.ts";

/** User administration (Kiln administrators only). */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.deps, ctx.actor)),

  create: adminProcedure
    .input(
      z.object({
        email: z.string().max(320),
        name: z.string().max(200).optional(),
        role: ZUserRole,
        password: z.string().max(4096),
      }),
    )
    .mutation(({ ctx, input }) => createUser(ctx.deps, ctx.actor, input)),

  setDisabled: adminProcedure
    .input(z.object({ userId: z.string().min(1), disabled: z.boolean() }))
    .mutation(({ ctx, input }) => setUserDisabled(ctx.deps, ctx.actor, input)),

  setRole: adminProcedure
    .input(z.object({ userId: z.string().min(1), role: ZUserRole }))
    .mutation(({ ctx, input }) => setUserRole(ctx.deps, ctx.actor, input)),
});
