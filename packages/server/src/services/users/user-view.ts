import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { Actor } from "../../context.ts";

/** Kiln-wide roles: "admin" does everything, "user" what team roles allow. */
export const USER_ROLES = ["admin", "user"] as const;
export const ZUserRole = z.enum(USER_ROLES);
export type TUserRole = z.infer<typeof ZUserRole>;

/** A user as the API shows it: never the password hash. */
export interface TUserView {
  id: string;
  email: string;
  name: string;
  role: TUserRole;
  disabled: boolean;
  createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
}

export function toUserView(u: UserRow): TUserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role === "admin" ? "admin" : "user",
    disabled: u.disabled,
    createdAt: u.createdAt,
  };
}

// Deliberately loose: Kiln runs on internal networks where `admin@localhost`
// or `ops@build-host` are real addresses that a strict TLD rule would refuse.
const EMAIL = /^[^\s@]+@[^\s@.][^\s@]*$/;

/**
 * Emails are compared case-insensitively by storing them lowercased: two
 * accounts for `Ann@x` and `ann@x` would be one person with two passwords.
 */
export function parseEmail(raw: string, field = "email"): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 320 || !EMAIL.test(email)) {
    throw new AppError("INVALID_INPUT", `'${raw}' is not an email address`, field);
  }
  return email;
}

/**
 * `null` is the operator on the server host (CLI, first start): trusted. A
 * request's actor must be an administrator. An API token acts as an admin
 * only with the `admin` scope, which resolveApiToken folds into `role`.
 */
export function requireAdmin(actor: Actor | null, what = "this"): void {
  if (actor && actor.role !== "admin") {
    throw new AppError("FORBIDDEN", `only administrators may do ${what}`);
  }
}
