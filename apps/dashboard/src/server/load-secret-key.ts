import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EnvError, type TDashboardEnv } from "../env.ts";

export interface TSecretKey {
  /** The recipe-secrets secret (KILN_SECRET_KEY or the generated one). */
  secretKey: string;
  /** Where the key came from, so start-up can warn about a generated one. */
  secretKeySource: "env" | "file" | "generated";
}

/**
 * KILN_SECRET_KEY, else the key kept in `env.secretKeyFile`, generated there
 * (mode 0600) on the first start. Run at start-up, not while parsing the
 * environment, because it may write that file.
 */
export function loadSecretKey(
  env: Pick<TDashboardEnv, "KILN_SECRET_KEY" | "secretKeyFile">,
): TSecretKey {
  if (env.KILN_SECRET_KEY) return { secretKey: env.KILN_SECRET_KEY, secretKeySource: "env" };
  const file = env.secretKeyFile;
  if (existsSync(file)) {
    const key = readFileSync(file, "utf8").trim();
    if (key.length < 16)
      throw new EnvError(`KILN_SECRET_KEY: ${file} holds fewer than 16 characters`);
    return { secretKey: key, secretKeySource: "file" };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { secretKey: key, secretKeySource: "generated" };
}
