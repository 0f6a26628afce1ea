import fs from "node:fs";
import path from "node:path";
import { HookFailedError } from "../errors.ts";
import { listEnvironmentFiles } from "../hooks/list-run-parts.ts";
import type { TPhase } from "@kiln/contracts/phases";
import type { CommandRunner } from "./host/types.ts";

/** Variables bash sets for itself that must not leak into hooks. */
const SHELL_OWN = new Set(["_", "SHLVL", "PWD", "OLDPWD"]);

/** Sources environment.d files (xtrace on, as DIB) and writes `env -0` to $1. */
const SOURCE_SCRIPT = [
  "set -eu -o pipefail",
  'out="$1"; shift',
  'for f in "$@"; do',
  '    echo "dib-run-parts Sourcing environment file $f" >&2',
  "    set -x",
  '    source "$f"',
  "    { set +x; } 2>/dev/null",
  "done",
  'env -0 > "$out"',
].join("\n");

export interface PhaseEnvOptions {
  phase: TPhase;
  /** Environment before sourcing. */
  env: Record<string, string>;
  /** Host path of the hooks tree (its environment.d is read). */
  hooksPath: string;
  /** When set, source inside this chroot with hooks at /tmp/in_target.d. */
  chrootRoot?: string;
  /** Element that owns each environment.d file, for failure messages. */
  owner: (file: string) => string;
  runner: CommandRunner;
  onLine: (line: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  cwd?: string;
}

/**
 * Source the phase's environment.d files in DIB's order and return the
 * resulting exported environment. Like DIB, only exported variables reach
 * hooks, and a file that fails (unset variable, `exit 1`) fails the phase.
 */
export async function computePhaseEnv(o: PhaseEnvOptions): Promise<Record<string, string>> {
  const names = listEnvironmentFiles(path.join(o.hooksPath, "environment.d"));
  const inDir = o.chrootRoot
    ? "/tmp/in_target.d/environment.d"
    : path.join(o.hooksPath, "environment.d");
  const files = names.map((n) => `${inDir}/${n}`);
  const outName = `.kiln-env-${o.phase}-${process.pid}`;
  const outHost = o.chrootRoot
    ? path.join(o.chrootRoot, "tmp", outName)
    : path.join(o.hooksPath, "..", outName);
  const outArg = o.chrootRoot ? `/tmp/${outName}` : outHost;
  const [file, args] = o.chrootRoot
    ? ["chroot", [o.chrootRoot, "/bin/bash", "-c", SOURCE_SCRIPT, "bash", outArg, ...files]]
    : ["/bin/bash", ["-c", SOURCE_SCRIPT, "bash", outArg, ...files]];
  try {
    let lastSourced = "";
    const result = await o.runner.run(file, args as string[], {
      env: o.env,
      cwd: o.cwd,
      signal: o.signal,
      onLine: (line, stream) => {
        const m = /^dib-run-parts Sourcing environment file (.*)$/.exec(line);
        if (m) lastSourced = path.basename(m[1] as string);
        o.onLine(line, stream);
      },
    });
    if (result.exitCode !== 0) {
      const script = `environment.d/${lastSourced || "?"}`;
      throw new HookFailedError(
        o.phase,
        lastSourced ? o.owner(lastSourced) : "?",
        script,
        result.exitCode,
        result.signal,
      );
    }
    return parseEnv0(fs.readFileSync(outHost));
  } finally {
    fs.rmSync(outHost, { force: true });
  }
}

/** Parse `env -0` output into a map, dropping the shell's own variables. */
export function parseEnv0(buf: Buffer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of buf.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if (!SHELL_OWN.has(key)) env[key] = entry.slice(eq + 1);
  }
  return env;
}
