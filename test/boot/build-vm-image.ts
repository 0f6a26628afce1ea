/** What both boot tests do around qemu: run `kiln build` for a vm image, and read its log. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The CLI as users run it. */
export const KILN = path.resolve(import.meta.dirname, "..", "..", "apps", "cli", "bin", "kiln.js");

/**
 * `kiln build -o OUT/NAME -t qcow2 vm debian-minimal [extra]`, with `env` over
 * this process's environment, its output kept in OUT/NAME.log.
 */
export async function buildVmImage(o: {
  out: string;
  name: string;
  extra: string[];
  env: Record<string, string>;
}): Promise<{ code: number | null; log: string; ms: number }> {
  const logFile = path.join(o.out, `${o.name}.log`);
  const started = Date.now();
  const args = ["build", "-o", path.join(o.out, o.name), "-t", "qcow2", "vm", "debian-minimal"];
  const child = spawn(process.execPath, [KILN, ...args, ...o.extra], {
    env: { ...process.env, ...o.env },
    stdio: ["ignore", fs.openSync(logFile, "w"), fs.openSync(logFile, "a")],
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, log: fs.readFileSync(logFile, "utf8"), ms: Date.now() - started };
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/** The last lines of a log or console without terminal escapes, for a readable failure message. */
export function logTail(text: string, lines = 40): string {
  return text.replace(ANSI, "").split("\n").slice(-lines).join("\n");
}
