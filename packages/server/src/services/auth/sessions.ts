/**
 * Browser sessions: a random 32-byte token in the httpOnly `kiln_session`
 * cookie; the database keeps only its sha256. Sessions last 14 days from the
 * last use (sliding), extended at most once an hour so that every page load
 * does not write, and never longer than the absolute lifetime from sign-in
 * (`ServerConfig.sessionMaxLifetimeMs`, default 30 days).
 */
import type { Actor, ServerDeps } from "../../context.ts";
import { hashSecret, randomSecret } from "./secrets.ts";

export const SESSION_COOKIE = "kiln_session";
/** A session expires this long after its last use. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60_000;
/** A session is extended when it was last extended longer ago than this. */
const EXTEND_AFTER_MS = 60 * 60_000;
/** A session ends this long after sign-in unless the configuration says otherwise. */
export const DEFAULT_SESSION_MAX_LIFETIME_MS = 30 * 24 * 60 * 60_000;

function maxLifetimeMs(deps: ServerDeps): number {
  return deps.config.sessionMaxLifetimeMs ?? DEFAULT_SESSION_MAX_LIFETIME_MS;
}

/** The sliding expiry from `nowMs`, cut at the session's absolute end. */
function slidingExpiry(deps: ServerDeps, createdAtMs: number, nowMs: number): number {
  return Math.min(nowMs + SESSION_TTL_MS, createdAtMs + maxLifetimeMs(deps));
}

/**
 * An actor signed in through a session carries the session's id, so logout
 * ends this session and not the user's others. (`Actor` may gain the field
 * itself; until then it rides along on the same object.)
 */
export type TSessionActor = Actor & { sessionId?: string };

export interface TNewSession {
  /** The cookie value: shown to the browser once, never stored. */
  token: string;
  expiresAt: Date;
}

/** Start a session for a user; the caller sets the cookie. */
export async function createSession(
  deps: ServerDeps,
  userId: string,
): Promise<TNewSession & { id: string }> {
  const token = randomSecret(32);
  const createdAt = deps.now();
  const expiresAt = new Date(slidingExpiry(deps, createdAt.getTime(), createdAt.getTime()));
  const row = await deps.db.prisma.session.create({
    data: { tokenHash: hashSecret(token), userId, expiresAt, createdAt },
    select: { id: true },
  });
  return { id: row.id, token, expiresAt };
}

export interface TResolveSessionOptions {
  /** Called with the same token and a new lifetime when the session is extended. */
  refreshCookie?: (token: string, maxAgeSeconds: number) => void;
}

/**
 * The actor of a session cookie value, or undefined when the session is
 * unknown, expired (then deleted) or its user disabled.
 */
export async function resolveSession(
  deps: ServerDeps,
  token: string,
  opts: TResolveSessionOptions = {},
): Promise<TSessionActor | undefined> {
  if (!token) return undefined;
  const { prisma } = deps.db;
  const session = await prisma.session.findUnique({
    where: { tokenHash: hashSecret(token) },
    include: { user: { select: { id: true, email: true, role: true, disabled: true } } },
  });
  if (!session) return undefined;
  const now = deps.now().getTime();
  const end = session.createdAt.getTime() + maxLifetimeMs(deps);
  if (session.expiresAt.getTime() <= now || end <= now) {
    await prisma.session.deleteMany({ where: { id: session.id } });
    return undefined;
  }
  if (session.user.disabled) return undefined;
  const expiresAt = slidingExpiry(deps, session.createdAt.getTime(), now);
  if (expiresAt - session.expiresAt.getTime() > EXTEND_AFTER_MS) {
    await prisma.session.updateMany({
      where: { id: session.id },
      data: { expiresAt: new Date(expiresAt) },
    });
    opts.refreshCookie?.(token, Math.floor((expiresAt - now) / 1000));
  }
  return {
    userId: session.user.id,
    email: session.user.email,
    role: session.user.role === "admin" ? "admin" : "user",
    sessionId: session.id,
  };
}

/** End one session (logout). Unknown ids are ignored: logging out twice is fine. */
export async function deleteSession(deps: ServerDeps, sessionId: string): Promise<void> {
  await deps.db.prisma.session.deleteMany({ where: { id: sessionId } });
}

/** End every session of a user (disabled, password changed). */
export async function deleteUserSessions(
  deps: ServerDeps,
  userId: string,
  exceptSessionId?: string,
): Promise<void> {
  await deps.db.prisma.session.deleteMany({
    where: { userId, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
  });
}
