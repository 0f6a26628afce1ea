/**
 * Running PostgreSQL's client tools (pg_dump, pg_restore): where they are,
 * their major version, and how they get the connection without the password
 * showing in the process list.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import path from "node:path";
import { DatabaseBackupError, redactUrl } from "../errors.ts";

export interface TPgToolOptions {
  /** Directory holding pg_dump and pg_restore; unset: found on the PATH of `env`. */
  binDir?: string;
  /** The environment the tools run with (the process's, as the app read it). */
  env: Record<string, string | undefined>;
}

export type TPgToolName = "pg_dump" | "pg_restore";

/** Kept from a failing tool's standard error for the message. */
const MAX_STDERR = 4_000;

function toolPath(name: TPgToolName, opts: TPgToolOptions): string {
  return opts.binDir ? path.join(opts.binDir, name) : name;
}

/**
 * Runs a tool to completion. Standard output goes to `stdout` when given;
 * a failure throws with the tool's own message. `url` is the database URL,
 * whose password is handed over in PGPASSWORD rather than on the command line.
 */
export async function runPgTool(
  name: TPgToolName,
  args: string[],
  opts: TPgToolOptions & { url?: string; stdout?: Writable },
): Promise<string> {
  const connection = opts.url ? toolConnection(opts.url) : undefined;
  const env = { ...opts.env, ...(connection?.password ? { PGPASSWORD: connection.password } : {}) };
  const argv = connection ? [...args, "--no-password", `--dbname=${connection.url}`] : args;
  const child = spawn(toolPath(name, opts), argv, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stderr = "";
  if (opts.stdout) child.stdout.pipe(opts.stdout);
  else child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString("utf8");
  });
  const outputDone = opts.stdout ? finished(opts.stdout) : Promise.resolve();
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw missingTool(name, opts);
    throw new DatabaseBackupError(`${name}: ${err.message}`, { cause: err });
  });
  await outputDone;
  if (code !== 0) {
    const detail = redactUrl(stderr.trim().slice(0, MAX_STDERR)) || `exit status ${code}`;
    throw new DatabaseBackupError(`${name} failed: ${detail}`);
  }
  return output;
}

function finished(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.writableFinished) return resolve();
    stream.once("finish", resolve);
    stream.once("error", reject);
  });
}

function missingTool(name: TPgToolName, opts: TPgToolOptions): DatabaseBackupError {
  const where = opts.binDir ? `in ${opts.binDir}` : "on the PATH";
  return new DatabaseBackupError(
    `${name} not found ${where}: install PostgreSQL's client tools of the server's major ` +
      "version or newer (Debian: postgresql-client), or name their directory in KILN_PG_BIN_DIR",
  );
}

/** `pg_dump (PostgreSQL) 15.18 (Debian …)` → { major: 15, version: "15.18" }. */
export function parseToolVersion(text: string): { major: number; version: string } | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  return { major: Number(match[1]), version: match[2] ? `${match[1]}.${match[2]}` : match[1]! };
}

/** The tool's version, read from `--version`. */
export async function pgToolVersion(
  name: TPgToolName,
  opts: TPgToolOptions,
): Promise<{ major: number; version: string }> {
  const text = await runPgTool(name, ["--version"], opts);
  const version = parseToolVersion(text);
  if (!version) throw new DatabaseBackupError(`${name} --version printed '${text.trim()}'`);
  return version;
}

/** The URL without its password, and the password (for PGPASSWORD). */
export function toolConnection(url: string): { url: string; password: string | undefined } {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.password = "";
  return { url: parsed.toString(), password };
}
