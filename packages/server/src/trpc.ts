import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { AppError, toTRPCError } from "./app-error.ts";
import type { Actor, RequestContext } from "./context.ts";
import { requireWriteScope } from "./services/tokens/api-token-view.ts";

const t = initTRPC.context<RequestContext>().create({
  transformer: superjson,
  // Subscriptions ping well within the server's idle timeout (http/http-settings.ts).
  sse: { ping: { enabled: true, intervalMs: 30_000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: { ...shape.data, field: cause instanceof AppError ? cause.field : undefined },
    };
  },
});

/** Services throw AppError; this turns it into a tRPC error with the same meaning. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    throw toTRPCError(result.error.cause);
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every mutation made with an API token needs its `write` scope. It sits on
 * the base of every procedure and keys on the procedure's type, so a new
 * mutation is covered whichever builder it starts from.
 */
const mutationsNeedWriteScope = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.actor) requireWriteScope(ctx.actor);
  return next();
});

/** No sign-in needed (login, health, setup). */
export const publicProcedure = t.procedure.use(mapErrors).use(mutationsNeedWriteScope);

/** Signed in (session or API token). */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw toTRPCError(new AppError("UNAUTHENTICATED", "sign in first"));
  return next({ ctx: { ...ctx, actor: ctx.actor as Actor } });
});

/**
 * Signed in, for changes. The write scope is already required of every
 * mutation (`mutationsNeedWriteScope`); the name says what the procedure is for.
 */
export const writeProcedure = authedProcedure;

/** Kiln administrators only. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.actor.role !== "admin")
    throw toTRPCError(new AppError("FORBIDDEN", "administrators only"));
  return next();
});
