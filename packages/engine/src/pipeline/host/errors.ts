/**
 * Errors of the host side-effect layer. All carry code `HOST` (exit 3 in the
 * CLI: the machine, not the user's elements, is at fault) except a cancelled
 * command, which is `CANCELLED`.
 */
import { KilnError } from "@kiln/contracts/errors";

/** A host-level problem: missing tool, no loop device, a mount that failed, no space. */
export class HostError extends KilnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("HOST", message, options);
  }
}

/**
 * Thrown by `CommandRunner.capture` (and by the host helpers built on it) when a
 * command exits non-zero or is killed by a signal; names the command line and
 * the end of its stderr.
 */
export class HostCommandError extends HostError {
  constructor(
    readonly commandLine: string,
    readonly exitCode: number,
    readonly signal: string | undefined,
    readonly stderrTail: string,
  ) {
    const how = signal ? `was killed by ${signal}` : `failed with exit code ${exitCode}`;
    const tail = stderrTail.trim().split("\n").filter(Boolean).slice(-3).join(" | ");
    super(`\`${commandLine}\` ${how}` + (tail ? `: ${tail}` : ""));
  }
}

/** Thrown when the executable of a command cannot be found or executed. */
export class CommandNotFoundError extends HostError {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot run '${file}': ${detail}`, options);
  }
}

/** Thrown when a command is asked to run (or capture) after its AbortSignal fired. */
export class CommandCancelledError extends KilnError {
  constructor(readonly commandLine: string) {
    super("CANCELLED", `cancelled: \`${commandLine}\``);
  }
}
