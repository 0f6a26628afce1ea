import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { hashSecret, randomBase62 } from "../auth/secrets.ts";
import {
  API_TOKEN_DISPLAY_LENGTH,
  API_TOKEN_PREFIX,
  API_TOKEN_RANDOM_LENGTH,
  parseScopes,
  toApiTokenView,
  type TApiTokenView,
} from "./api-token-view.ts";

export interface TCreateApiTokenInput {
  /** Whose token: the actor's own, or anyone's for an administrator or the host CLI. */
  userId: string;
  /** What it is for, shown in lists ("ci", "laptop"). */
  name: string;
  /** Default `read,write`. */
  scopes?: readonly string[];
  /** When it stops working; none by default. */
  expiresAt?: Date;
}

export interface TCreatedApiToken {
  /** The token itself: shown once, never stored or retrievable again. */
  token: string;
  view: TApiTokenView;
}

export async function createApiToken(
  deps: ServerDeps,
  actor: Actor | null,
  input: TCreateApiTokenInput,
): Promise<TCreatedApiToken> {
  if (actor && actor.userId !== input.userId && actor.role !== "admin") {
    throw new AppError("FORBIDDEN", "you may only create tokens for yourself");
  }
  const name = input.name.trim();
  if (!name || name.length > 100) {
    throw new AppError("INVALID_INPUT", "a token needs a name of 1 to 100 characters", "name");
  }
  const scopes = parseScopes(input.scopes ?? ["read", "write"]);
  if (actor?.scopes) {
    // A token may mint tokens, but never one that can do more than itself.
    const extra = scopes.filter((s) => !actor.scopes!.includes(s));
    if (extra.length) {
      throw new AppError(
        "FORBIDDEN",
        `this API token lacks the scope ${extra.join(", ")}`,
        "scopes",
      );
    }
  }
  if (input.expiresAt && input.expiresAt.getTime() <= deps.now().getTime()) {
    throw new AppError("INVALID_INPUT", "the expiry date is in the past", "expiresAt");
  }
  const owner = await deps.db.prisma.user.findUnique({ where: { id: input.userId } });
  if (!owner) throw new AppError("NOT_FOUND", "user not found", "userId");
  if (owner.disabled) throw new AppError("CONFLICT", `${owner.email} is disabled`, "userId");
  if (scopes.includes("admin") && owner.role !== "admin") {
    throw new AppError(
      "FORBIDDEN",
      "only administrators' tokens may have the admin scope",
      "scopes",
    );
  }

  const token = API_TOKEN_PREFIX + randomBase62(API_TOKEN_RANDOM_LENGTH);
  const row = await deps.db.prisma.apiToken.create({
    data: {
      name,
      prefix: token.slice(0, API_TOKEN_DISPLAY_LENGTH),
      tokenHash: hashSecret(token),
      scopes: scopes.join(","),
      userId: owner.id,
      expiresAt: input.expiresAt ?? null,
      createdAt: deps.now(),
    },
  });
  await audit(deps, actor ?? undefined, "token.create", `token:${row.id}`, {
    name,
    prefix: row.prefix,
    scopes,
    userId: owner.id,
    email: owner.email,
    ...(actor ? {} : { via: "host" }),
  });
  return { token, view: toApiTokenView(row) };
}
