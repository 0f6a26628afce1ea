/**
 * The CLI as a child process (`node bin/kiln.js …` from the repository root), for
 * the tests that check what a user sees: exit code, stdout and stderr apart.
 * Not a test file itself.
 */
import { spawn } from "node:child_process";
import path from "node:path";

const CLI = path.resolve(import.meta.dirname, "..", "..");
const KILN = path.join(CLI, "bin", "kiln.js");

export interface TKilnRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kiln args…` with no database URL and quiet logs unless `env` says otherwise. */
export function spawnKiln(
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<TKilnRun> {
  const child = spawn(process.execPath, [KILN, ...args], {
    cwd: path.resolve(CLI, "..", ".."),
    // Test support, not the app: the child inherits the test run's environment.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, DATABASE_URL: "", KILN_LOG_LEVEL: "warn", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}
