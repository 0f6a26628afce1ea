import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireTeamRole, type TTeamRole } from "../access.ts";
import type { TTeamView } from "./create-team.ts";

export interface TTeamSummary extends TTeamView {
  /** The actor's own membership role; undefined when an admin sees a team they are not in. */
  myRole: TTeamRole | undefined;
  memberCount: number;
}

/** Teams the actor belongs to (administrators: all teams), by name. */
export async function listTeams(deps: ServerDeps, actor: Actor): Promise<TTeamSummary[]> {
  const teams = await deps.db.prisma.team.findMany({
    where: actor.role === "admin" ? {} : { memberships: { some: { userId: actor.userId } } },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    include: {
      memberships: { where: { userId: actor.userId }, select: { role: true } },
      _count: { select: { memberships: true } },
    },
  });
  return teams.map((t) => ({
    id: t.id,
    slug: t.slug,
    name: t.name,
    createdAt: t.createdAt,
    myRole: t.memberships[0]?.role as TTeamRole | undefined,
    memberCount: t._count.memberships,
  }));
}

export interface TTeamMember {
  userId: string;
  email: string;
  name: string;
  role: TTeamRole;
}

export interface TTeamDetail extends TTeamView {
  /** The actor's effective role (administrators count as owners). */
  myRole: TTeamRole;
  members: TTeamMember[];
}

const ROLE_ORDER: Record<string, number> = { owner: 0, maintainer: 1, member: 2, viewer: 3 };

/** One team with its members (any member may see who else is in it). */
export async function getTeam(
  deps: ServerDeps,
  actor: Actor,
  teamId: string,
): Promise<TTeamDetail> {
  const myRole = await requireTeamRole(deps, actor, teamId, "viewer");
  const team = await deps.db.prisma.team.findUnique({
    where: { id: teamId },
    include: { memberships: { include: { user: { select: { email: true, name: true } } } } },
  });
  // Administrators pass the role check for any id, existing or not.
  if (!team) throw new AppError("NOT_FOUND", "team not found", "teamId");
  const members = team.memberships
    .map((m) => ({
      userId: m.userId,
      email: m.user.email,
      name: m.user.name,
      role: m.role as TTeamRole,
    }))
    .sort(
      (a, b) =>
        (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.email.localeCompare(b.email),
    );
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    createdAt: team.createdAt,
    myRole,
    members,
  };
}
