import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { toApiTokenView, type TApiTokenView } from "./api-token-view.ts";

/**
 * Revoke a token (its owner or an administrator). Resolution reads the row on
 * every request, so the next request with it is refused: there is no cache
 * to wait out. Revoking twice keeps the first time.
 */
export async function revokeApiToken(
  deps: ServerDeps,
  actor: Actor,
  input: { tokenId: string },
): Promise<TApiTokenView> {
  const { prisma } = deps.db;
  const row = await prisma.apiToken.findUnique({ where: { id: input.tokenId } });
  // Someone else's token is "not found", not "forbidden": ids do not leak.
  if (!row || (row.userId !== actor.userId && actor.role !== "admin")) {
    throw new AppError("NOT_FOUND", "API token not found", "tokenId");
  }
  if (row.revokedAt) return toApiTokenView(row);
  const revokedAt = deps.now();
  await prisma.apiToken.updateMany({ where: { id: row.id, revokedAt: null }, data: { revokedAt } });
  await audit(deps, actor, "token.revoke", `token:${row.id}`, {
    name: row.name,
    prefix: row.prefix,
    userId: row.userId,
  });
  return toApiTokenView({ ...row, revokedAt });
}
