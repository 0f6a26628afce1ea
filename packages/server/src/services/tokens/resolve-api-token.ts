import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { hashSecret } from "../auth/secrets.ts";
import { API_TOKEN_PREFIX, splitScopes } from "./api-token-view.ts";

/** `lastUsedAt` is written at most this often per token, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The actor of an API token. Refused (UNAUTHENTICATED) when unknown,
 * revoked, expired or its user disabled. Without the `admin` scope an
 * administrator's token acts as a plain user, which is how trpc.ts's
 * role check honours the scope.
 */
export async function resolveApiToken(deps: ServerDeps, token: string): Promise<Actor> {
  const refuse = (why: string) => new AppError("UNAUTHENTICATED", `API token ${why}`);
  if (!token.startsWith(API_TOKEN_PREFIX)) throw refuse("is not a Kiln token (kiln_…)");
  const { prisma } = deps.db;
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    include: { user: { select: { id: true, email: true, role: true, disabled: true } } },
  });
  if (!row) throw refuse("is not valid");
  const now = deps.now();
  if (row.revokedAt) throw refuse(`'${row.name}' was revoked`);
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
    throw refuse(`'${row.name}' has expired`);
  }
  if (row.user.disabled) throw refuse(`'${row.name}' belongs to a disabled user`);

  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests of one token write once.
    await prisma.apiToken.updateMany({
      where: {
        id: row.id,
        OR: [
          { lastUsedAt: null },
          { lastUsedAt: { lte: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } },
        ],
      },
      data: { lastUsedAt: now },
    });
  }
  const scopes = splitScopes(row.scopes);
  return {
    userId: row.user.id,
    email: row.user.email,
    role: row.user.role === "admin" && scopes.includes("admin") ? "admin" : "user",
    scopes,
  };
}
