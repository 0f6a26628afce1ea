import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { Actor } from "../../context.ts";

/**
 * `read`: queries only. `write`: mutations too. `admin`: also what the
 * user's administrator role allows (without it an admin's token acts as a
 * plain user); it grants no mutation by itself, so an administrator's
 * `read,admin` token may see everything and change nothing.
 */
export const API_TOKEN_SCOPES = ["read", "write", "admin"] as const;
export const ZApiTokenScope = z.enum(API_TOKEN_SCOPES);
export type TApiTokenScope = z.infer<typeof ZApiTokenScope>;

/** Every token starts with this, so secret scanners and people recognise it. */
export const API_TOKEN_PREFIX = "kiln_";
/** Random base62 characters after the prefix (about 238 bits). */
export const API_TOKEN_RANDOM_LENGTH = 40;
/** Characters of the token kept in clear to recognise it in lists. */
export const API_TOKEN_DISPLAY_LENGTH = API_TOKEN_PREFIX.length + 6;

/** A token as lists show it: never the token or its hash. */
export interface TApiTokenView {
  id: string;
  name: string;
  /** The token's first characters, e.g. `kiln_Ab12Cd`. */
  prefix: string;
  scopes: TApiTokenScope[];
  userId: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  userId: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export function toApiTokenView(t: ApiTokenRow): TApiTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: splitScopes(t.scopes),
    userId: t.userId,
    lastUsedAt: t.lastUsedAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
    createdAt: t.createdAt,
  };
}

/** Scopes as stored (comma-separated); unknown words are dropped, not honoured. */
export function splitScopes(stored: string): TApiTokenScope[] {
  return stored
    .split(",")
    .map((s) => s.trim())
    .filter((s): s is TApiTokenScope => (API_TOKEN_SCOPES as readonly string[]).includes(s));
}

/** Validate a requested scope list ("read,write" or an array), naming the bad word. */
export function parseScopes(raw: string | readonly string[], field = "scopes"): TApiTokenScope[] {
  const words = (typeof raw === "string" ? raw.split(",") : [...raw])
    .map((s) => s.trim())
    .filter(Boolean);
  if (words.length === 0) throw new AppError("INVALID_INPUT", "give at least one scope", field);
  for (const w of words) {
    if (!(API_TOKEN_SCOPES as readonly string[]).includes(w)) {
      throw new AppError(
        "INVALID_INPUT",
        `unknown scope '${w}' (scopes are ${API_TOKEN_SCOPES.join(", ")})`,
        field,
      );
    }
  }
  return API_TOKEN_SCOPES.filter((s) => words.includes(s));
}

/**
 * Refuses a change made with an API token that lacks the `write` scope.
 * Sessions (no scopes) pass: what they may change is the services' business.
 */
export function requireWriteScope(actor: Pick<Actor, "scopes">): void {
  if (actor.scopes && !actor.scopes.includes("write")) {
    throw new AppError("FORBIDDEN", "this API token may only read");
  }
}
