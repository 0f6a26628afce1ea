import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { findUserByEmail } from "./list-users.ts";

/**
 * An enabled administrator for the server host to act as (the host CLI has
 * no signed-in user): the one with `email`, else the first created; null
 * when there is no administrator yet.
 */
export async function findAdminActor(deps: ServerDeps, email?: string): Promise<Actor | null> {
  if (email) {
    const user = await findUserByEmail(deps, null, email);
    if (user.role !== "admin" || user.disabled)
      throw new AppError("FORBIDDEN", `${user.email} is not an enabled administrator`, "email");
    return { userId: user.id, email: user.email, role: "admin" };
  }
  const first = await deps.db.prisma.user.findFirst({
    where: { role: "admin", disabled: false },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return first ? { userId: first.id, email: first.email, role: "admin" } : null;
}
