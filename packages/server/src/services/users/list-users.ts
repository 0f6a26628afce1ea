import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { parseEmail, requireAdmin, toUserView, type TUserView } from "./user-view.ts";

/** Every user, by email (administrators). Kiln's user count is small: no paging. */
export async function listUsers(deps: ServerDeps, actor: Actor): Promise<TUserView[]> {
  requireAdmin(actor, "list users");
  const users = await deps.db.prisma.user.findMany({ orderBy: { email: "asc" } });
  return users.map(toUserView);
}

/** One user by email (administrators; `actor` null for the host CLI). */
export async function findUserByEmail(
  deps: ServerDeps,
  actor: Actor | null,
  rawEmail: string,
): Promise<TUserView> {
  requireAdmin(actor, "look up users");
  const email = parseEmail(rawEmail);
  const user = await deps.db.prisma.user.findUnique({ where: { email } });
  if (!user) throw new AppError("NOT_FOUND", `no user has the email ${email}`, "email");
  return toUserView(user);
}
