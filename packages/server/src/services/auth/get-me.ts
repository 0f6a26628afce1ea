import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import type { TTeamRole } from "../access.ts";
import { toUserView, type TUserView } from "../users/user-view.ts";

export interface TMe {
  user: TUserView;
  /** How this request is signed in. */
  via: "session" | "token";
  /** The token's scopes, when signed in by an API token. */
  scopes?: string[];
  /** Effective Kiln-wide role of this request (an admin's token without `admin` scope is a user). */
  role: "admin" | "user";
  teams: { id: string; slug: string; name: string; role: TTeamRole }[];
}

/** The signed-in user, their teams and how the request is authenticated. */
export async function getMe(deps: ServerDeps, actor: Actor): Promise<TMe> {
  const user = await deps.db.prisma.user.findUnique({
    where: { id: actor.userId },
    include: { memberships: { include: { team: true } } },
  });
  if (!user) throw new AppError("UNAUTHENTICATED", "sign in first");
  return {
    user: toUserView(user),
    via: actor.scopes ? "token" : "session",
    ...(actor.scopes ? { scopes: actor.scopes } : {}),
    role: actor.role,
    teams: user.memberships
      .map((m) => ({
        id: m.team.id,
        slug: m.team.slug,
        name: m.team.name,
        role: m.role as TTeamRole,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
