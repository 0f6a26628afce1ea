/**
 * Who is calling: the one place an HTTP request's credentials become an
 * `Actor`, for the tRPC handler's context and for plain route handlers
 * (downloads, uploads).
 */
import { AppError } from "../app-error.ts";
import type { Actor, ServerDeps } from "../context.ts";
import { resolveSession, SESSION_COOKIE } from "../services/auth/sessions.ts";
import { resolveApiToken } from "../services/tokens/resolve-api-token.ts";

export { SESSION_COOKIE, SESSION_TTL_MS } from "../services/auth/sessions.ts";

export interface TRequestCredentials {
  /** The request's `Cookie` header. */
  cookie?: string | null;
  /** The request's `Authorization` header. */
  authorization?: string | null;
  /** Re-sends the session cookie when its sliding expiry moves (same shape as RequestContext.setCookie). */
  setCookie?: (name: string, value: string, options: { maxAgeSeconds: number }) => void;
}

/**
 * The actor of a request, or undefined for an anonymous one.
 *
 * A bearer token wins over the cookie. A bad bearer token (not `kiln_…`,
 * unknown, revoked, expired, its user disabled) throws AppError
 * UNAUTHENTICATED with the reason: a client that sent a token wants to know
 * it failed, not to be treated as anonymous. A stale session cookie only
 * makes the request anonymous, because browsers keep sending old cookies
 * (the login page must still work). Map the error with `toTRPCError` in
 * createContext, or with `HTTP_STATUS` in route handlers.
 */
export async function resolveActor(
  deps: ServerDeps,
  creds: TRequestCredentials,
): Promise<Actor | undefined> {
  const auth = creds.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m)
      throw new AppError("UNAUTHENTICATED", "the Authorization header must be 'Bearer kiln_…'");
    return resolveApiToken(deps, m[1]!);
  }
  const token = readCookie(creds.cookie, SESSION_COOKIE);
  if (!token) return undefined;
  return resolveSession(deps, token, {
    refreshCookie: (value, maxAgeSeconds) =>
      creds.setCookie?.(SESSION_COOKIE, value, { maxAgeSeconds }),
  });
}

/** One cookie's value from a `Cookie` header (the first, as browsers send the most specific first). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

export interface TSessionCookieOptions {
  maxAgeSeconds: number;
  /** Add `Secure` (when the public URL is https). */
  secure: boolean;
}

/** The `Set-Cookie` value for the session cookie (see serializeCookie). */
export function serializeSessionCookie(value: string, opts: TSessionCookieOptions): string {
  return serializeCookie(SESSION_COOKIE, value, opts);
}

/**
 * A `Set-Cookie` value: httpOnly so scripts cannot read it, SameSite=Lax so
 * other sites cannot post with it. Max-Age 0 deletes.
 */
export function serializeCookie(name: string, value: string, opts: TSessionCookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`,
  ];
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}
