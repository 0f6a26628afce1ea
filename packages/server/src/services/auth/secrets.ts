/**
 * Random secrets and their stored form. Kiln stores only the sha256 of a
 * session cookie, API token or setup token: the secrets are high-entropy
 * random strings, so a fast hash is enough (unlike passwords) and lets a
 * lookup go straight to a unique index.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** sha256 of a secret, lowercase hex: what the database keeps. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** `bytes` random bytes as base64url (session cookies, setup tokens). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * `length` uniformly random base62 characters. Rejection sampling: bytes of
 * 248 and above are dropped, because 256 is not a multiple of 62 and keeping
 * them would make the first eight characters more likely than the rest.
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= 248) continue;
      out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Compare two hex digests without leaking where they differ. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
