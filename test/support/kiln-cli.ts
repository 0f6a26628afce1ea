/**
 * Runs the real `kiln` CLI as a child process (as users do) and compares its
 * answers with DIB's, producing one readable line per mismatch.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DibOutcome } from "./dib-oracle-batch.ts";

/** Root of the Kiln checkout (this file lives in test/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The CLI entry point the tests execute. */
export const KILN_BIN = path.join(REPO_ROOT, "apps/cli/bin/kiln.js");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `node apps/cli/bin/kiln.js ...args`; never throws on a non-zero exit. */
export function runKiln(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KILN_BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ exitCode: code ?? (signal ? 128 : -1), stdout, stderr }),
    );
  });
}

/** Maps `fn` over `items` with at most `limit` in flight (the host has 2 cores). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface KilnExpansion extends CliResult {
  ok: boolean;
  /** Name → path from `--json`, when the command succeeded. */
  elements?: Map<string, string>;
}

/** `kiln elements expand --json --elements-path P ELEMENTS…`. */
export async function kilnExpand(
  elements: string[],
  elementsPath: string,
  opts: { cwd?: string } = {},
): Promise<KilnExpansion> {
  const r = await runKiln(
    ["elements", "expand", "--json", "--elements-path", elementsPath, "--", ...elements],
    opts,
  );
  const result: KilnExpansion = { ...r, ok: r.exitCode === 0 };
  if (result.ok) {
    try {
      const parsed = JSON.parse(r.stdout) as { elements: { name: string; path: string }[] };
      result.elements = new Map(parsed.elements.map((e) => [e.name, e.path]));
    } catch (err) {
      result.ok = false;
      result.stderr += `\n[harness] --json output is not the documented shape: ${String(err)}`;
    }
  }
  return result;
}

function describeOutcome(o: DibOutcome): string {
  if (o.ok) return `ok {${Object.keys(o.elements).sort().join(" ")}}`;
  const log = o.log.length ? ` log=${JSON.stringify(o.log)}` : "";
  return `${o.error}: ${JSON.stringify(o.message)}${log}`;
}

function describeKiln(k: KilnExpansion): string {
  if (k.ok && k.elements) return `ok {${[...k.elements.keys()].sort().join(" ")}}`;
  return `exit ${k.exitCode}, stderr ${JSON.stringify(k.stderr.trim())}`;
}

/** Why `kiln` does not match this one DIB outcome, or undefined when it does. */
function mismatchWith(k: KilnExpansion, o: DibOutcome): string | undefined {
  if (o.ok) {
    if (!k.ok || !k.elements) return "DIB succeeded, Kiln failed";
    const want = Object.keys(o.elements).sort();
    const got = [...k.elements.keys()].sort();
    if (want.join("\0") !== got.join("\0")) {
      const missing = want.filter((n) => !k.elements?.has(n));
      const extra = got.filter((n) => !(n in o.elements));
      return `element sets differ: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`;
    }
    const badPaths = want.filter((n) => k.elements?.get(n) !== o.elements[n]);
    if (badPaths.length) {
      return badPaths
        .map((n) => `path of ${n}: kiln ${k.elements?.get(n)} dib ${o.elements[n]}`)
        .join("; ");
    }
    return undefined;
  }
  if (k.ok) return "DIB failed, Kiln succeeded";
  if (/^\s+at /m.test(k.stderr)) return "Kiln printed a stack trace";
  // DIB's InvalidElementDir message ends in a stray space; Kiln need not copy it.
  const needles = [o.message.trimEnd(), ...o.log].filter(Boolean);
  const absent = needles.filter((n) => !k.stderr.includes(n));
  if (absent.length) return `stderr lacks ${JSON.stringify(absent)}`;
  return undefined;
}

/**
 * Compares Kiln with every outcome DIB can give (several only where DIB is
 * order-dependent); returns undefined on a match, else a one-paragraph report.
 */
export function compareWithDib(
  label: string,
  k: KilnExpansion,
  outcomes: DibOutcome[],
): string | undefined {
  const reasons = outcomes.map((o) => mismatchWith(k, o));
  if (reasons.some((r) => r === undefined)) return undefined;
  return [
    `${label}:`,
    `  kiln: ${describeKiln(k)}`,
    ...outcomes.map(
      (o, i) =>
        `  dib${outcomes.length > 1 ? `#${i}` : ""}: ${describeOutcome(o)} -> ${reasons[i]}`,
    ),
  ].join("\n");
}
