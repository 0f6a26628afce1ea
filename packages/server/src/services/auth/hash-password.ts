/**
 * Password hashing with argon2id (@node-rs/argon2) at OWASP's minimum
 * parameters (19 MiB, 2 passes, 1 lane), which are the library's defaults;
 * they are spelled out so an upgrade of the library cannot silently change them.
 */
import { hash, verify } from "@node-rs/argon2";
import { AppError } from "../../app-error.ts";

// The library's `Algorithm` is a `const enum`, which isolatedModules cannot
// import; 2 is Argon2id.
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Shortest accepted password. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest accepted password: argon2 takes any length, but hashing megabytes is a cheap DoS. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Refuse passwords that are too short or too long, naming the field. */
export function checkPasswordPolicy(password: string, field = "password"): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError(
      "INVALID_INPUT",
      `the password must have at least ${MIN_PASSWORD_LENGTH} characters`,
      field,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError(
      "INVALID_INPUT",
      `the password must have at most ${MAX_PASSWORD_LENGTH} characters`,
      field,
    );
  }
}

/** argon2id PHC string for a password. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS as Parameters<typeof hash>[1]);
}

let dummyHash: Promise<string> | undefined;

/**
 * Check a password against a stored hash. With no stored hash (unknown email,
 * user without a password) it verifies against a dummy hash anyway, so the
 * answer takes as long as for a real user and timing does not reveal which
 * emails exist.
 */
export async function verifyPassword(
  stored: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword("kiln-dummy-password-for-constant-time");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    // A malformed stored hash is a failed login, not a crash.
    return false;
  }
}
