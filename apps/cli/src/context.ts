import type { Logger } from "@kiln/contracts/logger";
import { createCliLogger } from "./cli-logger.ts";
import { readCliEnv, type TCliEnv } from "./env.ts";

/** What every command needs: the parsed environment and a logger. */
export interface CliContext {
  env: TCliEnv;
  logger: Logger;
  /** Where commands write their results (stdout). */
  out: (text: string) => void;
}

let current: CliContext | undefined;

/** The context of this process, created on first use. */
export function cliContext(): CliContext {
  if (!current) {
    const env = readCliEnv();
    current = {
      env,
      logger: createCliLogger({ level: env.KILN_LOG_LEVEL }),
      out: (text) => process.stdout.write(text),
    };
  }
  return current;
}

/** The elements path a command uses: the flag, else $ELEMENTS_PATH (empty → error later). */
export function elementsPathFrom(flag: string | undefined, env: TCliEnv): string {
  return flag ?? env.ELEMENTS_PATH ?? "";
}
