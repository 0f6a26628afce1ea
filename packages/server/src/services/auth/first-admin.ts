/**
 * First start. With no user yet, Kiln either creates the administrator from
 * KILN_ADMIN_EMAIL/KILN_ADMIN_PASSWORD (passed in by the app), or makes a
 * one-time setup token and returns a link for the server to print; whoever
 * opens it first chooses the administrator's email and password. Each start
 * without users replaces the token, so only the latest printed link works.
 */
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { createUser } from "../users/create-user.ts";
import { parseEmail, type TUserView } from "../users/user-view.ts";
import { checkPasswordPolicy } from "./hash-password.ts";
import { hashSecret, randomSecret, sameDigest } from "./secrets.ts";
import { createSession, type TNewSession, type TSessionActor } from "./sessions.ts";

/** `Setting` key holding the sha256 of the pending setup token. */
export const SETUP_TOKEN_SETTING = "setup.tokenHash";

export interface TEnsureFirstAdminInput {
  /** KILN_ADMIN_EMAIL, if set. */
  email?: string;
  /** KILN_ADMIN_PASSWORD, if set. */
  password?: string;
}

export type TFirstAdminOutcome =
  /** Users exist already: nothing to do. */
  | { kind: "ready" }
  /** The administrator was created from the given email and password. */
  | { kind: "created"; user: TUserView }
  /** No users: print `setupUrl` (it carries the one-time token). */
  | { kind: "setup"; setupUrl: string };

export async function ensureFirstAdmin(
  deps: ServerDeps,
  input: TEnsureFirstAdminInput,
): Promise<TFirstAdminOutcome> {
  const { prisma } = deps.db;
  if ((await prisma.user.count()) > 0) {
    // A link left from an earlier start must not outlive the setup.
    await prisma.setting.deleteMany({ where: { key: SETUP_TOKEN_SETTING } });
    return { kind: "ready" };
  }
  if (input.email || input.password) {
    if (!input.email || !input.password) {
      throw new AppError(
        "INVALID_INPUT",
        "set both KILN_ADMIN_EMAIL and KILN_ADMIN_PASSWORD, or neither (to get a setup link)",
        input.email ? "KILN_ADMIN_PASSWORD" : "KILN_ADMIN_EMAIL",
      );
    }
    try {
      parseEmail(input.email, "KILN_ADMIN_EMAIL");
      checkPasswordPolicy(input.password, "KILN_ADMIN_PASSWORD");
      const user = await createUser(deps, null, {
        email: input.email,
        role: "admin",
        password: input.password,
      });
      await prisma.setting.deleteMany({ where: { key: SETUP_TOKEN_SETTING } });
      return { kind: "created", user };
    } catch (err) {
      // Another server process created it first.
      if (err instanceof AppError && err.code === "CONFLICT") return { kind: "ready" };
      if (err instanceof AppError && err.field === "password") {
        throw new AppError(
          "INVALID_INPUT",
          `KILN_ADMIN_PASSWORD: ${err.message}`,
          "KILN_ADMIN_PASSWORD",
        );
      }
      throw err;
    }
  }
  const token = randomSecret(32);
  await prisma.setting.upsert({
    where: { key: SETUP_TOKEN_SETTING },
    create: { key: SETUP_TOKEN_SETTING, value: hashSecret(token) },
    update: { value: hashSecret(token) },
  });
  const base = deps.config.publicUrl.replace(/\/+$/, "");
  return { kind: "setup", setupUrl: `${base}/setup?token=${encodeURIComponent(token)}` };
}

/** Whether the setup page should be offered: no user exists yet. */
export async function getSetupStatus(deps: ServerDeps): Promise<{ needsSetup: boolean }> {
  return { needsSetup: (await deps.db.prisma.user.count()) === 0 };
}

export interface TCompleteSetupInput {
  token: string;
  email: string;
  password: string;
}

/**
 * Create the first administrator with the setup link's token, once, and sign
 * them in. The token's row is claimed by deleting it: of two concurrent
 * calls only one deletes it, the other finds it gone.
 */
export async function completeSetup(
  deps: ServerDeps,
  input: TCompleteSetupInput,
): Promise<{ user: TUserView; actor: TSessionActor; session: TNewSession }> {
  parseEmail(input.email);
  checkPasswordPolicy(input.password);
  const { prisma } = deps.db;
  const invalid = () =>
    new AppError("FORBIDDEN", "this setup link is invalid or has been used already", "token");
  const row = await prisma.setting.findUnique({ where: { key: SETUP_TOKEN_SETTING } });
  if (!row || !sameDigest(row.value, hashSecret(input.token))) throw invalid();
  const claimed = await prisma.setting.deleteMany({
    where: { key: SETUP_TOKEN_SETTING, value: row.value },
  });
  if (claimed.count !== 1 || (await prisma.user.count()) > 0) throw invalid();
  const user = await createUser(deps, null, {
    email: input.email,
    role: "admin",
    password: input.password,
  });
  const session = await createSession(deps, user.id);
  return {
    user,
    actor: { userId: user.id, email: user.email, role: "admin", sessionId: session.id },
    session: { token: session.token, expiresAt: session.expiresAt },
  };
}
