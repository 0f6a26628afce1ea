import pino from "pino";
import type { Logger } from "@kiln/contracts/logger";

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
  const line = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) < min) return;
    const tag = level === "info" ? "" : `${level === "warn" ? "warning" : level}: `;
    process.stderr.write(`kiln: ${tag}${msg}${formatFields(fields)}\n`);
  };
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}

/** ` key=value …` for a human reader; objects as compact JSON. */
function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return "";
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? ` (${parts.join(" ")})` : "";
}
