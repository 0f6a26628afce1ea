// The agents bench's child processes as the orchestrator sees them: the last
// lines each wrote to stderr (shown when the bench fails, or all of them with
// KILN_BENCH_VERBOSE), and stopping them all at the end.
import type { ChildProcess } from "node:child_process";

const TAIL_LINES = 20;

export class ChildTracker {
  private readonly tails = new Map<ChildProcess, string[]>();

  constructor(
    /** Where stderr lines go as they come (verbose runs); undefined keeps them quiet. */
    private readonly echo?: (line: string) => void,
  ) {}

  /** Keeps the last lines of `child`'s stderr, tagged with `name`; returns `child`. */
  track(child: ChildProcess, name: string): ChildProcess {
    const tail: string[] = [];
    this.tails.set(child, tail);
    child.stderr!.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n").filter(Boolean)) {
        tail.push(`[${name}] ${line}`);
        this.echo?.(`[${name}] ${line}`);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    });
    return child;
  }

  /** Every child's last stderr lines, child by child. */
  lastLines(): string[] {
    return [...this.tails.values()].flat();
  }

  /** SIGTERM to every child still running; SIGKILL to those not gone within 10 s. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.tails.keys()].map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null || c.signalCode !== null) return r();
            c.once("exit", () => r());
            c.kill("SIGTERM");
            setTimeout(() => (c.kill("SIGKILL"), r()), 10_000).unref();
          }),
      ),
    );
  }
}
