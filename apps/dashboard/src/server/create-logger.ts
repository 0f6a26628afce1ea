import pino from "pino";
import type { Logger } from "@kiln/contracts/logger";

type Level = "debug" | "info" | "warn" | "error";

/** The server's operational logger, with `child(fields)` for per-request context. */
export interface ServerLogger extends Logger {
  child(fields: Record<string, unknown>): ServerLogger;
}

/**
 * pino underneath; `pretty` renders each record as one readable stderr line
 * (`kiln: warning: msg (k=v)`) because pino-pretty is not a dependency.
 */
export function createServerLogger(opts: {
  level: Level;
  format: "pretty" | "json";
}): ServerLogger {
  const destination =
    opts.format === "json"
      ? pino.destination(2)
      : { write: (line: string) => void process.stderr.write(prettyLine(line)) };
  return wrap(pino({ level: opts.level, base: undefined }, destination));
}

function wrap(log: pino.Logger): ServerLogger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    child: (fields) => wrap(log.child(fields)),
  };
}

const LEVEL_TAGS: Record<number, string> = {
  20: "debug: ",
  30: "",
  40: "warning: ",
  50: "error: ",
  60: "fatal: ",
};

function prettyLine(json: string): string {
  try {
    const { level, time, msg, ...fields } = JSON.parse(json) as Record<string, unknown>;
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    void time; // the line is read live; the time is noise here
    const tag = LEVEL_TAGS[Number(level)] ?? "";
    return `kiln: ${tag}${String(msg)}${parts.length ? ` (${parts.join(" ")})` : ""}\n`;
  } catch {
    return json;
  }
}
