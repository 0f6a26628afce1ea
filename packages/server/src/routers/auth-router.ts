import { z } from "zod";
import { changePassword, login, logout } from "../services/auth/login.ts";
import { completeSetup, getSetupStatus } from "../services/auth/first-admin.ts";
import { getMe } from "../services/auth/get-me.ts";
import { SESSION_COOKIE, SESSION_TTL_MS } from "../services/auth/sessions.ts";
import { authedProcedure, publicProcedure, router, writeProcedure } from "../trpc.ts";

// Limits here only bound the request size; the services judge the values.
const ZPassword = z.string().min(1).max(4096);
const SESSION_MAX_AGE = Math.floor(SESSION_TTL_MS / 1000);

/** Sign-in, sign-out, who am I, and the first-start setup. */
export const authRouter = router({
  login: publicProcedure
    .input(z.object({ email: z.string().max(320), password: ZPassword }))
    .mutation(async ({ ctx, input }) => {
      const { actor, session } = await login(ctx.deps, { ...input, ip: ctx.ip });
      ctx.setCookie?.(SESSION_COOKIE, session.token, { maxAgeSeconds: SESSION_MAX_AGE });
      return {
        userId: actor.userId,
        email: actor.email,
        role: actor.role,
        expiresAt: session.expiresAt,
      };
    }),

  // Public, so a browser whose session already expired can still clear its cookie.
  logout: publicProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.deps, ctx.actor);
    ctx.setCookie?.(SESSION_COOKIE, "", { maxAgeSeconds: 0 });
    return { ok: true as const };
  }),

  me: authedProcedure.query(({ ctx }) => getMe(ctx.deps, ctx.actor)),

  changePassword: writeProcedure
    .input(
      z.object({
        currentPassword: ZPassword,
        newPassword: ZPassword,
        revokeApiTokens: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { revokedTokens } = await changePassword(ctx.deps, ctx.actor, input);
      return { ok: true as const, revokedTokens };
    }),

  setupStatus: publicProcedure.query(({ ctx }) => getSetupStatus(ctx.deps)),

  completeSetup: publicProcedure
    .input(
      z.object({
        token: z.string().min(1).max(200),
        email: z.string().max(320),
        password: ZPassword,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await completeSetup(ctx.deps, input);
      ctx.setCookie?.(SESSION_COOKIE, session.token, { maxAgeSeconds: SESSION_MAX_AGE });
      return { user };
    }),
});
