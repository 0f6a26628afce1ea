/**
 * Runs the real diskimage-builder installed on the host, so differential tests
 * compare Kiln against DIB's behaviour rather than against our reading of it.
 * This file runs DIB's tools one at a time; dib-oracle-plan.ts has DIB's hook
 * merge and build plan, dib-oracle-batch.ts the many-orders expansion driver.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { PHASES } from "@kiln/contracts/phases";
import { DIB_PYTHON, DIB_ROOT } from "@kiln/engine/testing/host-capabilities";

// Where DIB lives and which Python runs it; whether it is installed is hasDib's question.
export { DIB_PYTHON, DIB_ROOT };

/** DIB's built-in element directory. */
export const DIB_ELEMENTS = path.join(DIB_ROOT, "elements");
/** DIB's shell library and tools (element-info.py, dib-run-parts, common-functions). */
export const DIB_LIB = path.join(DIB_ROOT, "lib");

/**
 * The phases DIB runs with dib-run-parts, in build order (spec §2.1): the
 * engine's list. It stays an independent fact all the same: dib-oracle.dib.test.ts
 * holds it to the phases DIB's own scripts run, and trace-vs-dib to the order
 * a real disk-image-create runs them in.
 */
export const DIB_PHASES = PHASES;

export interface DibError {
  /** Exception class name, e.g. `MissingElementException`. */
  error: string;
  /** The exception's message (may be empty, and may end in a space, as DIB's does). */
  message: string;
  /** Messages DIB logged at ERROR before failing, sorted (their order is set order). */
  log: string[];
}

export interface DibElementInfo {
  ok: boolean;
  exitCode: number;
  /** Expanded element names (empty on failure). */
  names: Set<string>;
  /** Name → realpath, from `IMAGE_ELEMENT_YAML`. */
  paths: Map<string, string>;
  /** Present when DIB failed. */
  failure?: DibError;
  stdout: string;
  stderr: string;
  stderrLastLine: string;
}

const LOG_PREFIX = /^ERROR diskimage_builder\.element_dependencies \[-\] (.*)$/;
const EXCEPTION_LINE = /^(?:[\w.]+\.)?(\w+)(?:: (.*))?$/;

/** The last non-blank line: where DIB's tools leave their error. */
export function lastLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines[lines.length - 1] ?? "";
}

/** Parses element-info's traceback: the final `module.Class: message` line and ERROR logs. */
export function parseDibFailure(stderr: string): DibError {
  const last = lastLine(stderr);
  const match = EXCEPTION_LINE.exec(last);
  const log = stderr
    .split("\n")
    .map((l) => LOG_PREFIX.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .sort();
  return { error: match?.[1] ?? "unknown", message: match ? (match[2] ?? "") : last, log };
}

/**
 * `element-info.py --env ELEMENTS…` with `ELEMENTS_PATH=elementsPath`, exactly as
 * disk-image-create runs it. `hashSeed` pins PYTHONHASHSEED (DIB's set order).
 */
export function dibElementInfo(
  elements: string[],
  elementsPath: string,
  opts: { extraEnv?: Record<string, string>; hashSeed?: number } = {},
): DibElementInfo {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...opts.extraEnv,
    ELEMENTS_PATH: elementsPath,
  };
  if (opts.hashSeed !== undefined) env.PYTHONHASHSEED = String(opts.hashSeed);
  const run = spawnSync(DIB_PYTHON, [path.join(DIB_LIB, "element-info.py"), "--env", ...elements], {
    encoding: "utf8",
    env,
  });
  const exitCode = run.status ?? -1;
  const result: DibElementInfo = {
    ok: exitCode === 0,
    exitCode,
    names: new Set(),
    paths: new Map(),
    stdout: run.stdout,
    stderr: run.stderr,
    stderrLastLine: lastLine(run.stderr),
  };
  if (!result.ok) {
    result.failure = parseDibFailure(run.stderr);
    return result;
  }
  const names = /^export IMAGE_ELEMENT='([^']*)'$/m.exec(run.stdout)?.[1] ?? "";
  for (const name of names.split(" ").filter(Boolean)) result.names.add(name);
  const yamlText = /^export IMAGE_ELEMENT_YAML='([^']*)'$/m.exec(run.stdout)?.[1] ?? "{}";
  const parsed = (parseYaml(yamlText) ?? {}) as Record<string, string>;
  for (const [name, p] of Object.entries(parsed)) result.paths.set(name, p);
  return result;
}

export interface RunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion with `env` over this process's environment. */
export function runDibTool(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
): RunOutput {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } });
  // A spawn failure (r.error) or a signal leaves no status: say which.
  const why = r.error ? `${r.error.message}\n` : r.signal ? `killed by ${r.signal}\n` : "";
  return { exitCode: r.status ?? -1, stdout: r.stdout ?? "", stderr: why + (r.stderr ?? "") };
}

/** `dib-run-parts --list DIR` under LC_ALL=C (as during a build). */
export function dibRunPartsList(dir: string): RunOutput {
  return runDibTool(path.join(DIB_LIB, "dib-run-parts"), ["--list", dir], {
    LC_ALL: "C",
    LANG: "C",
  });
}
