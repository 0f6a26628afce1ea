import type { Actor, ServerDeps } from "../../context.ts";
import { toApiTokenView, type TApiTokenView } from "./api-token-view.ts";

/** The actor's own tokens, newest first, revoked ones included (marked). */
export async function listApiTokens(deps: ServerDeps, actor: Actor): Promise<TApiTokenView[]> {
  const rows = await deps.db.prisma.apiToken.findMany({
    where: { userId: actor.userId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.map(toApiTokenView);
}
