/**
 * The host side-effect interfaces of the pipeline. The real implementations
 * run commands as root; tests swap in non-root ones where they can.
 */

/** How one command run ended. */
export interface RunResult {
  exitCode: number;
  /** Set when the process was killed by a signal. */
  signal?: string;
  durationMs: number;
}

export interface RunOptions {
  /** The complete environment of the child (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  /** Abort: SIGTERM to the child's whole process group, SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL on abort (default 5000 ms). */
  killGraceMs?: number;
  /** Each complete output line (without newline), as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Data written to stdin, then closed. Default: stdin is /dev/null. */
  input?: string | Buffer;
}

/** Runs commands; each in its own process group so a whole tree can be killed. */
export interface CommandRunner {
  /** Run and report the exit code; never throws for a non-zero exit. */
  run(file: string, args: string[], options: RunOptions): Promise<RunResult>;
  /** Run and return stdout; throws `HostCommandError` (naming the command) on failure. */
  capture(file: string, args: string[], options?: Partial<RunOptions>): Promise<string>;
}
