import { isUniqueViolation } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { checkPasswordPolicy, hashPassword } from "../auth/hash-password.ts";
import {
  parseEmail,
  requireAdmin,
  toUserView,
  type TUserRole,
  type TUserView,
} from "./user-view.ts";

export interface TCreateUserInput {
  email: string;
  /** Display name (default: empty). */
  name?: string;
  role: TUserRole;
  password: string;
}

/**
 * Create a user (administrators; `actor` null for the server host's CLI and
 * first start, audited without an actor).
 */
export async function createUser(
  deps: ServerDeps,
  actor: Actor | null,
  input: TCreateUserInput,
): Promise<TUserView> {
  requireAdmin(actor, "create users");
  const email = parseEmail(input.email);
  checkPasswordPolicy(input.password);
  const passwordHash = await hashPassword(input.password);
  let user;
  try {
    user = await deps.db.prisma.user.create({
      data: {
        email,
        name: input.name?.trim() ?? "",
        role: input.role,
        passwordHash,
        createdAt: deps.now(),
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError("CONFLICT", `a user with email ${email} already exists`, "email");
    }
    throw err;
  }
  await audit(deps, actor ?? undefined, "user.create", `user:${user.id}`, {
    email,
    role: input.role,
    ...(actor ? {} : { via: "host" }),
  });
  return toUserView(user);
}
