/**
 * Administrators disable users and change Kiln-wide roles. Neither may leave
 * Kiln without an enabled administrator, which would lock everyone out of
 * user management until someone edits the database.
 */
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { deleteUserSessions } from "../auth/sessions.ts";
import { takeLock } from "../auth/take-lock.ts";
import { requireAdmin, toUserView, type TUserRole, type TUserView } from "./user-view.ts";

type Change = { disabled: boolean } | { role: TUserRole };

async function updateUser(
  deps: ServerDeps,
  actor: Actor | null,
  userId: string,
  change: Change,
): Promise<TUserView> {
  const { before, after } = await deps.db.prisma.$transaction(async (tx) => {
    await takeLock(tx, "admins");
    const before = await tx.user.findUnique({ where: { id: userId } });
    if (!before) throw new AppError("NOT_FOUND", "user not found", "userId");
    const after = { ...before, ...change };
    const wasActiveAdmin = before.role === "admin" && !before.disabled;
    const isActiveAdmin = after.role === "admin" && !after.disabled;
    if (wasActiveAdmin && !isActiveAdmin) {
      const others = await tx.user.count({
        where: { role: "admin", disabled: false, id: { not: userId } },
      });
      if (others === 0) {
        throw new AppError("CONFLICT", `${before.email} is the last administrator`, "userId");
      }
    }
    await tx.user.update({ where: { id: userId }, data: change });
    return { before, after };
  });
  if ("disabled" in change && change.disabled) {
    // A disabled user's sessions end now; their API tokens stop working
    // because token resolution checks the user.
    await deleteUserSessions(deps, userId);
  }
  if ("disabled" in change && before.disabled !== change.disabled) {
    await audit(
      deps,
      actor ?? undefined,
      change.disabled ? "user.disable" : "user.enable",
      `user:${userId}`,
      {
        email: before.email,
      },
    );
  }
  if ("role" in change && before.role !== change.role) {
    await audit(deps, actor ?? undefined, "user.role", `user:${userId}`, {
      email: before.email,
      from: before.role,
      to: change.role,
    });
  }
  return toUserView(after);
}

/** Disable (or re-enable) a user. One cannot disable oneself. */
export async function setUserDisabled(
  deps: ServerDeps,
  actor: Actor | null,
  input: { userId: string; disabled: boolean },
): Promise<TUserView> {
  requireAdmin(actor, "disable users");
  if (actor && input.disabled && actor.userId === input.userId) {
    throw new AppError("CONFLICT", "you cannot disable yourself", "userId");
  }
  return updateUser(deps, actor, input.userId, { disabled: input.disabled });
}

/** Make a user an administrator or a plain user. */
export async function setUserRole(
  deps: ServerDeps,
  actor: Actor | null,
  input: { userId: string; role: TUserRole },
): Promise<TUserView> {
  requireAdmin(actor, "change roles");
  return updateUser(deps, actor, input.userId, { role: input.role });
}
