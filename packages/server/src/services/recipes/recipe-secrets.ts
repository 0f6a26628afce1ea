/**
 * Recipe secrets at rest: AES-256-GCM with a key derived by scrypt from the
 * server's secret (KILN_SECRET_KEY, passed in as config.secretKey), so a
 * passphrase works as well as random bytes. The recipe id and variable name
 * are the additional data: a ciphertext copied to another recipe or variable
 * does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { AppError } from "../../app-error.ts";
import type { ServerConfig } from "../../context.ts";

const PREFIX = "v1:";
// Fixed salt: the key must be the same on every server sharing a database.
const SALT = "kiln recipe secrets v1";
const keys = new Map<string, Buffer>();

function keyFor(config: ServerConfig): Buffer {
  const secret = config.secretKey;
  if (!secret) {
    throw new AppError(
      "INTERNAL",
      "the server has no secret key (KILN_SECRET_KEY), so secret variables cannot be stored",
      "env",
    );
  }
  let key = keys.get(secret);
  if (!key) {
    key = scryptSync(secret, SALT, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    keys.set(secret, key);
  }
  return key;
}

function aad(recipeId: string, name: string): Buffer {
  return Buffer.from(`${recipeId}\0${name}`, "utf8");
}

export function encryptSecret(
  config: ServerConfig,
  recipeId: string,
  name: string,
  value: string,
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(config), iv);
  cipher.setAAD(aad(recipeId, name));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function decryptSecret(
  config: ServerConfig,
  recipeId: string,
  name: string,
  stored: string,
): string {
  if (!stored.startsWith(PREFIX))
    throw new AppError("INTERNAL", `secret '${name}' is not in a known format`);
  const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFor(config), raw.subarray(0, 12));
    decipher.setAAD(aad(recipeId, name));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new AppError(
      "INTERNAL",
      `secret '${name}' cannot be decrypted (was KILN_SECRET_KEY changed?)`,
      "env",
      {
        cause: err,
      },
    );
  }
}
