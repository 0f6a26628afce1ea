/**
 * Password sign-in, sign-out and password change. Every failure for an
 * unknown email, a user without a password or a wrong password gives the
 * same answer after the same argon2 work, so neither the message nor the
 * timing tells which emails have accounts.
 */
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { parseEmail } from "../users/user-view.ts";
import {
  checkPasswordPolicy,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  verifyPassword,
} from "./hash-password.ts";
import { loginLimiterFor } from "./login-rate-limiter.ts";
import {
  createSession,
  deleteSession,
  deleteUserSessions,
  type TNewSession,
  type TSessionActor,
} from "./sessions.ts";

export interface TLoginInput {
  email: string;
  password: string;
  /** Client address (http/client-address.ts), throttled separately from the email. */
  ip?: string;
}

export interface TLoginResult {
  actor: TSessionActor;
  /** The new session; the transport puts `token` in the cookie. */
  session: TNewSession;
}

const WRONG = "wrong email or password";

export async function login(deps: ServerDeps, input: TLoginInput): Promise<TLoginResult> {
  let email: string;
  try {
    email = parseEmail(input.email);
  } catch {
    // Not an address at all: say nothing more specific than for a wrong one.
    throw new AppError("UNAUTHENTICATED", WRONG);
  }
  const limiter = loginLimiterFor(deps);
  const attempt = { account: email, ...(input.ip ? { address: input.ip } : {}) };
  const now = deps.now().getTime();
  // Counted before any await: see LoginRateLimiter.takeAttempt.
  const waitMs = limiter.takeAttempt(attempt, now);
  if (waitMs > 0)
    throw new AppError("RATE_LIMITED", `too many failed sign-ins; ${retryIn(waitMs)}`);

  const user = await deps.db.prisma.user.findUnique({ where: { email } });
  // Over-long passwords are refused without hashing megabytes, but only after
  // the lookup, like every other failure.
  const ok =
    input.password.length <= MAX_PASSWORD_LENGTH &&
    (await verifyPassword(user?.passwordHash, input.password));
  if (!ok || !user) {
    deps.logger.info("sign-in failed", { email, ip: input.ip });
    throw new AppError("UNAUTHENTICATED", WRONG);
  }
  // The right password is not a guess, even for a disabled account.
  limiter.recordSuccess(attempt);
  if (user.disabled) throw new AppError("FORBIDDEN", "this account is disabled");
  await deps.db.prisma.session.deleteMany({
    where: { userId: user.id, expiresAt: { lte: deps.now() } },
  });
  const session = await createSession(deps, user.id);
  deps.logger.info("signed in", { userId: user.id });
  return {
    actor: {
      userId: user.id,
      email: user.email,
      role: user.role === "admin" ? "admin" : "user",
      sessionId: session.id,
    },
    session: { token: session.token, expiresAt: session.expiresAt },
  };
}

/** "try again in 4 seconds" / "… in 2 minutes". */
function retryIn(waitMs: number): string {
  if (waitMs < 60_000) {
    const seconds = Math.ceil(waitMs / 1000);
    return `try again in ${seconds} second${seconds === 1 ? "" : "s"}`;
  }
  const minutes = Math.ceil(waitMs / 60_000);
  return `try again in ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** End the actor's current session (a no-op for API tokens, which are revoked instead). */
export async function logout(deps: ServerDeps, actor: Actor | undefined): Promise<void> {
  const sessionId = (actor as TSessionActor | undefined)?.sessionId;
  if (sessionId) await deleteSession(deps, sessionId);
}

export interface TChangePasswordInput {
  currentPassword: string;
  newPassword: string;
  /** Also revoke every API token of the user (they outlive the password otherwise). */
  revokeApiTokens?: boolean;
}

export interface TChangePasswordResult {
  /** API tokens revoked with the change. */
  revokedTokens: number;
}

/**
 * Change one's own password. Other sessions end (the usual reason to change
 * a password is that someone else may know it); the current one stays. API
 * tokens stay unless asked: scripts use them, and the user decides.
 */
export async function changePassword(
  deps: ServerDeps,
  actor: Actor,
  input: TChangePasswordInput,
): Promise<TChangePasswordResult> {
  if (actor.scopes) throw new AppError("FORBIDDEN", "API tokens cannot change passwords");
  checkPasswordPolicy(input.newPassword, "newPassword");
  const user = await deps.db.prisma.user.findUnique({ where: { id: actor.userId } });
  if (!(await verifyPassword(user?.passwordHash, input.currentPassword))) {
    throw new AppError("INVALID_INPUT", "the current password is wrong", "currentPassword");
  }
  await deps.db.prisma.user.update({
    where: { id: actor.userId },
    data: { passwordHash: await hashPassword(input.newPassword) },
  });
  await deleteUserSessions(deps, actor.userId, (actor as TSessionActor).sessionId);
  const revoked = input.revokeApiTokens
    ? await deps.db.prisma.apiToken.updateMany({
        where: { userId: actor.userId, revokedAt: null },
        data: { revokedAt: deps.now() },
      })
    : { count: 0 };
  await audit(deps, actor, "user.password", `user:${actor.userId}`, {
    revokedTokens: revoked.count,
  });
  return { revokedTokens: revoked.count };
}
