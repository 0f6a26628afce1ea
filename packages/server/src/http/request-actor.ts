import type { Actor, ServerDeps } from "../context.ts";
import { resolveActor } from "./http-auth.ts";

/** Cookies to (re)set on the response. */
export type TCookieJar = { name: string; value: string; maxAgeSeconds: number }[];

/**
 * Who is calling: `Authorization: Bearer kiln_…` or the session cookie. A bad
 * bearer token throws AppError UNAUTHENTICATED; a stale cookie is anonymous.
 */
export function resolveRequestActor(
  deps: ServerDeps,
  req: Request,
  jar: TCookieJar,
): Promise<Actor | undefined> {
  return resolveActor(deps, {
    cookie: req.headers.get("cookie"),
    authorization: req.headers.get("authorization"),
    setCookie: (name, value, { maxAgeSeconds }) => jar.push({ name, value, maxAgeSeconds }),
  });
}
