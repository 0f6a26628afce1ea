import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { AppError, toTRPCError } from "./app-error.ts";
import type { Actor, RequestContext } from "./context.ts";

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

/** No sign-in needed (login, health, setup). */
export const publicProcedure = t.procedure.use(mapErrors);

/** Signed in (session or API token). */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw toTRPCError(new AppError("UNAUTHENTICATED", "sign in first"));
  return next({ ctx: { ...ctx, actor: ctx.actor as Actor } });
});

/** Signed in with write scope (tokens without `write` may only read). */
export const writeProcedure = authedProcedure.use(({ ctx, next }) => {
  if (
    ctx.actor.scopes &&
    !ctx.actor.scopes.includes("write") &&
    !ctx.actor.scopes.includes("admin")
  ) {
    throw toTRPCError(new AppError("FORBIDDEN", "this API token may only read"));
  }
  return next();
});

/** Kiln administrators only. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.actor.role !== "admin")
    throw toTRPCError(new AppError("FORBIDDEN", "administrators only"));
  return next();
});
