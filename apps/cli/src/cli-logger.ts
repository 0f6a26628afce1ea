import pino from "pino";
import type { Logger } from "@kiln/engine/logger";

const LEVELS = ["debug", "info", "warn", "error"] as const;
type Level = (typeof LEVELS)[number];

/**
 * The CLI's operational logger: readable `kiln: warning: …` lines on stderr
 * by default, or pino JSON lines (`json: true`) for machines.
 */
export function createCliLogger(options: { level: Level; json?: boolean }): Logger {
  if (options.json) {
    const log = pino({ level: options.level }, pino.destination(2));
    return {
      debug: (msg, fields) => log.debug(fields ?? {}, msg),
      info: (msg, fields) => log.info(fields ?? {}, msg),
      warn: (msg, fields) => log.warn(fields ?? {}, msg),
      error: (msg, fields) => log.error(fields ?? {}, msg),
    };
  }
  const min = LEVELS.indexOf(options.level);
  const line = (level: Level) => (msg: string) => {
    if (LEVELS.indexOf(level) < min) return;
    const tag = level === "info" ? "" : `${level === "warn" ? "warning" : level}: `;
    process.stderr.write(`kiln: ${tag}${msg}\n`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}
