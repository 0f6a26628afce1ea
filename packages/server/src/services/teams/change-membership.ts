/**
 * Team membership changes. The rules:
 * - maintainers and owners add, remove and re-role members;
 * - only an owner may make someone an owner, or change or remove an owner;
 * - anyone may leave a team;
 * - the last owner can be neither removed nor demoted, so every team keeps
 *   someone who can manage it.
 * Administrators count as owners everywhere (access.ts).
 */
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, requireTeamRole, teamRole, type TTeamRole } from "../access.ts";
import { takeLock } from "../auth/take-lock.ts";
import { parseEmail } from "../users/user-view.ts";
import type { Prisma } from "@kiln/db/client";

function requireOwnerFor(myRole: TTeamRole, what: string): void {
  if (myRole !== "owner") throw new AppError("FORBIDDEN", `only an owner may ${what}`);
}

/** Throws when removing or demoting `userId` would leave the team without an owner. */
async function keepAnOwner(
  tx: Prisma.TransactionClient,
  teamId: string,
  userId: string,
): Promise<void> {
  const others = await tx.membership.count({
    where: { teamId, role: "owner", userId: { not: userId } },
  });
  if (others === 0) {
    throw new AppError(
      "CONFLICT",
      "the team's last owner cannot be removed or demoted; make someone else owner first",
      "userId",
    );
  }
}

export interface TAddMemberInput {
  teamId: string;
  /** The user to add, by email. */
  email: string;
  role: TTeamRole;
}

export async function addTeamMember(
  deps: ServerDeps,
  actor: Actor,
  input: TAddMemberInput,
): Promise<void> {
  const myRole = await requireTeamRole(deps, actor, input.teamId, "maintainer");
  if (input.role === "owner") requireOwnerFor(myRole, "add owners");
  const email = parseEmail(input.email);
  const { prisma } = deps.db;
  if (!(await prisma.team.findUnique({ where: { id: input.teamId }, select: { id: true } }))) {
    throw new AppError("NOT_FOUND", "team not found", "teamId");
  }
  const user = await prisma.user.findUnique({ where: { email }, select: { id: true } });
  // An unknown address gets the same answer as a known one: adding members
  // must not tell anyone with a team of their own which emails have accounts.
  // Whoever may add members sees the members list, so nothing is hidden from them.
  if (!user) return;
  const existing = await prisma.membership.findUnique({
    where: { userId_teamId: { userId: user.id, teamId: input.teamId } },
  });
  if (existing)
    throw new AppError("CONFLICT", `${email} is already a ${existing.role} of this team`, "email");
  await prisma.membership.create({
    data: { teamId: input.teamId, userId: user.id, role: input.role },
  });
  await audit(deps, actor, "membership.add", `team:${input.teamId}`, {
    userId: user.id,
    email,
    role: input.role,
  });
}

export interface TSetMemberRoleInput {
  teamId: string;
  userId: string;
  role: TTeamRole;
}

export async function setTeamMemberRole(
  deps: ServerDeps,
  actor: Actor,
  input: TSetMemberRoleInput,
): Promise<void> {
  const myRole = await requireTeamRole(deps, actor, input.teamId, "maintainer");
  if (input.role === "owner") requireOwnerFor(myRole, "make owners");
  const from = await deps.db.prisma.$transaction(async (tx) => {
    await takeLock(tx, `team:${input.teamId}`);
    const m = await tx.membership.findUnique({
      where: { userId_teamId: { userId: input.userId, teamId: input.teamId } },
    });
    if (!m) throw new AppError("NOT_FOUND", "that user is not a member of this team", "userId");
    if (m.role === input.role) return m.role;
    if (m.role === "owner") {
      requireOwnerFor(myRole, "change an owner's role");
      await keepAnOwner(tx, input.teamId, input.userId);
    }
    await tx.membership.update({ where: { id: m.id }, data: { role: input.role } });
    return m.role;
  });
  if (from !== input.role) {
    await audit(deps, actor, "membership.role", `team:${input.teamId}`, {
      userId: input.userId,
      from,
      to: input.role,
    });
  }
}

export interface TRemoveMemberInput {
  teamId: string;
  userId: string;
}

/** Remove a member, or leave the team when `userId` is the actor's own. */
export async function removeTeamMember(
  deps: ServerDeps,
  actor: Actor,
  input: TRemoveMemberInput,
): Promise<void> {
  const leaving = input.userId === actor.userId;
  const myRole = leaving
    ? await teamRole(deps, actor, input.teamId)
    : await requireTeamRole(deps, actor, input.teamId, "maintainer");
  if (!myRole) throw new AppError("NOT_FOUND", "team not found", "teamId");
  const removed = await deps.db.prisma.$transaction(async (tx) => {
    await takeLock(tx, `team:${input.teamId}`);
    const m = await tx.membership.findUnique({
      where: { userId_teamId: { userId: input.userId, teamId: input.teamId } },
    });
    if (!m) throw new AppError("NOT_FOUND", "that user is not a member of this team", "userId");
    if (m.role === "owner") {
      if (!leaving) requireOwnerFor(myRole, "remove an owner");
      await keepAnOwner(tx, input.teamId, input.userId);
    }
    await tx.membership.delete({ where: { id: m.id } });
    return m;
  });
  await audit(
    deps,
    actor,
    leaving ? "membership.leave" : "membership.remove",
    `team:${input.teamId}`,
    {
      userId: input.userId,
      role: removed.role,
    },
  );
}
