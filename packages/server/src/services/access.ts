import { AppError } from "../app-error.ts";
import type { Actor, ServerDeps } from "../context.ts";

/** Team roles, weakest first. */
export const TEAM_ROLES = ["viewer", "member", "maintainer", "owner"] as const;
export type TTeamRole = (typeof TEAM_ROLES)[number];

/**
 * Who may create, upload and import a team's catalogs. A catalog's hooks run
 * as root on the agents of every pool the team may use (shared pools
 * included), so this is above the member role that builds and edits recipes.
 */
export const CATALOG_AUTHOR_ROLE: TTeamRole = "maintainer";

/** The actor's role in a team (admins count as owners everywhere). */
export async function teamRole(
  deps: ServerDeps,
  actor: Actor,
  teamId: string,
): Promise<TTeamRole | undefined> {
  if (actor.role === "admin") return "owner";
  const m = await deps.db.prisma.membership.findUnique({
    where: { userId_teamId: { userId: actor.userId, teamId } },
    select: { role: true },
  });
  return m ? (m.role as TTeamRole) : undefined;
}

/**
 * Require at least `min` in the team. A non-member gets NOT_FOUND rather
 * than FORBIDDEN, so private teams' things are not even confirmed to exist.
 */
export async function requireTeamRole(
  deps: ServerDeps,
  actor: Actor,
  teamId: string,
  min: TTeamRole,
  what = "team",
): Promise<TTeamRole> {
  const role = await teamRole(deps, actor, teamId);
  if (!role) throw new AppError("NOT_FOUND", `${what} not found`);
  if (TEAM_ROLES.indexOf(role) < TEAM_ROLES.indexOf(min)) {
    throw new AppError("FORBIDDEN", `needs the ${min} role in this team (you are ${role})`);
  }
  return role;
}

/** Teams whose private things the actor may read: "all" for admins. */
export async function readableTeamIds(deps: ServerDeps, actor: Actor): Promise<string[] | "all"> {
  if (actor.role === "admin") return "all";
  const rows = await deps.db.prisma.membership.findMany({
    where: { userId: actor.userId },
    select: { teamId: true },
  });
  return rows.map((r) => r.teamId);
}

/** Record who did what (never secrets in `details`). */
export async function audit(
  deps: ServerDeps,
  actor: Actor | undefined,
  action: string,
  target: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await deps.db.prisma.auditEvent.create({
    data: {
      actorId: actor?.userId ?? null,
      action,
      target,
      details: JSON.stringify(details),
      at: deps.now(),
    },
  });
}
