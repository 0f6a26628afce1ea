/**
 * The real `CommandRunner`: execa 9, one process group per command.
 *
 * Process-group policy (decided here, relied on by the orchestrator):
 * - every command is spawned `detached`, so it leads a new session and process
 *   group whose id is its pid;
 * - abort: SIGTERM to the whole group, SIGKILL to the group after `killGraceMs`;
 * - when the leader exits, whatever is left in its group (a hook that
 *   backgrounded a daemon with `&`) gets SIGTERM, then SIGKILL after
 *   `stragglerGraceMs`. A build must not leave processes behind: they keep
 *   mounts busy and hold the output pipes open, which would hang the run.
 *   A process that escaped the group (`setsid`, double fork into a new
 *   session) is not found this way; if it still holds the output pipes,
 *   they are closed after the grace so `run` returns, and teardown's
 *   chroot-process sweep catches it if it lives in the chroot.
 */
import fs from "node:fs";
import os from "node:os";
import { StringDecoder } from "node:string_decoder";
import { execa } from "execa";
import type { Readable } from "node:stream";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner, RunOptions, RunResult } from "./types.ts";
import { listGroupMembers, readComm } from "./kill-processes.ts";
import {
  CommandCancelledError,
  CommandNotFoundError,
  HostCommandError,
  HostError,
} from "./errors.ts";

/** The PATH given to host tools when a caller passes no environment. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Environment for host tools run through `capture` without an explicit env: C locale so output parses. */
export const DEFAULT_HOST_ENV: Record<string, string> = { PATH: HOST_PATH, LC_ALL: "C" };

export interface CreateCommandRunnerOptions {
  /** Operational log: command start/end at debug, killed stragglers at warn. */
  logger?: Logger;
  /** Grace between SIGTERM and SIGKILL for processes left in a group after its leader exited (default 2000 ms). */
  stragglerGraceMs?: number;
  /** Longest line passed to `onLine`; longer runs of output are split (default 1 MiB characters). */
  maxLineLength?: number;
}

/** Quote one argument for display the way a POSIX shell would accept it. */
function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command as a copy-pasteable shell line, for messages and logs. */
export function formatCommandLine(file: string, args: string[]): string {
  return [file, ...args].map(quoteArg).join(" ");
}

/**
 * Splits a byte stream into lines as it arrives. Handles multi-byte UTF-8
 * characters cut across chunks and a last line without newline (`end`).
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  maxLineLength = 1024 * 1024,
): { push(chunk: Buffer | string): void; end(): void } {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const feed = (text: string) => {
    pending += text;
    let start = 0;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n", start)) {
      onLine(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
    while (pending.length > maxLineLength) {
      onLine(pending.slice(0, maxLineLength));
      pending = pending.slice(maxLineLength);
    }
  };
  return {
    push: (chunk) => feed(typeof chunk === "string" ? chunk : decoder.write(chunk)),
    end: () => {
      feed(decoder.end());
      if (pending.length > 0) onLine(pending);
      pending = "";
    },
  };
}

function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (listGroupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/** Keeps the last `max` characters of a stream, for error messages. */
class Tail {
  private text = "";
  constructor(private readonly max: number) {}
  add(chunk: string) {
    this.text = (this.text + chunk).slice(-this.max);
  }
  toString() {
    return this.text;
  }
}

interface Collected {
  result: RunResult;
  stdout: string;
  stderrTail: string;
}

/** Create the execa-backed runner; see the module comment for the kill policy. */
export function createCommandRunner(opts: CreateCommandRunnerOptions = {}): CommandRunner {
  const logger = opts.logger ?? silentLogger;
  const stragglerGraceMs = opts.stragglerGraceMs ?? 2000;
  const maxLineLength = opts.maxLineLength ?? 1024 * 1024;

  /** SIGTERM what is left of a group, SIGKILL it after `grace`; resolves once it is gone. */
  async function reapGroup(pgid: number, grace: number, commandLine: string): Promise<void> {
    const left = listGroupMembers(pgid);
    if (left.length === 0) return;
    logger.warn("killing processes left in the group after its leader exited", {
      command: commandLine,
      pgid,
      processes: left.map((pid) => `${readComm(pid)}(${pid})`),
    });
    killGroup(pgid, "SIGTERM");
    if (await waitGroupGone(pgid, grace)) return;
    killGroup(pgid, "SIGKILL");
    await waitGroupGone(pgid, 1000);
  }

  async function exec(
    file: string,
    args: string[],
    options: Partial<RunOptions>,
    keepStdout: boolean,
  ): Promise<Collected> {
    const commandLine = formatCommandLine(file, args);
    const abort = options.signal;
    if (abort?.aborted) throw new CommandCancelledError(commandLine);
    if (
      options.cwd !== undefined &&
      !fs.statSync(options.cwd, { throwIfNoEntry: false })?.isDirectory()
    ) {
      // spawn reports a missing cwd as ENOENT of the executable, which misleads.
      throw new HostError(
        `cannot run \`${commandLine}\`: working directory ${options.cwd} does not exist`,
      );
    }
    const env = options.env ?? DEFAULT_HOST_ENV;
    const started = Date.now();
    logger.debug("run", { command: commandLine, cwd: options.cwd });

    const subprocess = execa(file, args, {
      env,
      extendEnv: false,
      cwd: options.cwd,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" as const }),
    });

    let stdout = "";
    const stderrTail = new Tail(4096);
    const wire = (stream: Readable | null, name: "stdout" | "stderr") => {
      if (!stream) return;
      const splitter = createLineSplitter((line) => options.onLine?.(line, name), maxLineLength);
      // Its own decoder: a UTF-8 character may be cut across chunks.
      const decoder = new StringDecoder("utf8");
      const keep = (text: string) => {
        if (name === "stdout" && keepStdout) stdout += text;
        if (name === "stderr") stderrTail.add(text);
      };
      stream.on("data", (chunk: Buffer | string) => {
        if (options.onLine) splitter.push(chunk);
        keep(typeof chunk === "string" ? chunk : decoder.write(chunk));
      });
      let ended = false;
      const finish = () => {
        if (ended) return;
        ended = true;
        splitter.end();
        keep(decoder.end());
      };
      // "close" without "end" when the pipe was destroyed after an escaped process kept it.
      stream.on("end", finish);
      stream.on("close", finish);
    };
    wire(subprocess.stdout, "stdout");
    wire(subprocess.stderr, "stderr");

    const pid = subprocess.pid;
    const timers: NodeJS.Timeout[] = [];
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let reaping: Promise<void> | undefined;

    const onAbort = () => {
      if (pid === undefined) return;
      logger.debug("abort: SIGTERM to process group", { command: commandLine, pgid: pid });
      killGroup(pid, "SIGTERM");
      timers.push(
        setTimeout(() => {
          if (killGroup(pid, "SIGKILL")) {
            logger.warn("abort: SIGKILL to process group", { command: commandLine, pgid: pid });
          }
        }, options.killGraceMs ?? 5000),
      );
    };
    abort?.addEventListener("abort", onAbort, { once: true });

    subprocess.on("exit", (code, sig) => {
      exit = { code, signal: sig };
      if (pid === undefined) return;
      const grace = abort?.aborted ? (options.killGraceMs ?? 5000) : stragglerGraceMs;
      reaping = reapGroup(pid, grace, commandLine);
      // A process that left the group but kept our pipes would hang the run forever.
      timers.push(
        setTimeout(() => {
          subprocess.stdout?.destroy();
          subprocess.stderr?.destroy();
        }, grace + 1500),
      );
    });

    try {
      const res = await subprocess;
      await reaping;
      if (exit === undefined) {
        const cause = (res as { cause?: { code?: string } }).cause;
        const code = cause?.code ?? (res as { code?: string }).code;
        if (code === "ENOENT")
          throw new CommandNotFoundError(file, "no such executable on PATH", { cause });
        if (code === "EACCES") throw new CommandNotFoundError(file, "permission denied", { cause });
        throw new HostError(`cannot run \`${commandLine}\`: ${res.shortMessage ?? res.message}`, {
          cause,
        });
      }
      const sigName = exit.signal ?? undefined;
      const exitCode = exit.code ?? 128 + (sigName ? (os.constants.signals[sigName] ?? 0) : 0);
      const result: RunResult = {
        exitCode,
        durationMs: Date.now() - started,
        ...(sigName ? { signal: sigName } : {}),
      };
      logger.debug("exited", { command: commandLine, ...result });
      return { result, stdout, stderrTail: stderrTail.toString() };
    } finally {
      abort?.removeEventListener("abort", onAbort);
      for (const t of timers) clearTimeout(t);
    }
  }

  return {
    async run(file, args, options) {
      return (await exec(file, args, options, false)).result;
    },
    async capture(file, args, options = {}) {
      const { result, stdout, stderrTail } = await exec(file, args, options, true);
      const commandLine = formatCommandLine(file, args);
      if (options.signal?.aborted) throw new CommandCancelledError(commandLine);
      if (result.exitCode !== 0 || result.signal) {
        throw new HostCommandError(commandLine, result.exitCode, result.signal, stderrTail);
      }
      return stdout;
    },
  };
}
