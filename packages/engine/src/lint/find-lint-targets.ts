/**
 * Turn the directories given to `kiln elements lint` into elements: each is
 * either one element or a directory of elements.
 */
import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import type { ElementRef } from "../elements/types.ts";
import { errCode } from "../elements/read-names.ts";

/** Thrown when a lint target is missing or not a directory. */
export class LintTargetError extends KilnError {
  constructor(
    readonly dir: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("INVALID_ELEMENT_DIR", `lint: '${dir}' ${detail}`, options);
  }
}

// Files and dirs only an element has. A README alone is not enough: a
// directory of elements often has its own README.
const ELEMENT_FILES = new Set([
  "element-deps",
  "element-provides",
  "package-installs.yaml",
  "package-installs.json",
  "pkg-map",
  "svc-map",
]);
const README = new Set(["README.rst", "README.md", "README"]);
const SKIP_DIRS = new Set(["__pycache__"]);

export type TLintDirKind = "element" | "elements";

/**
 * Decide whether `dir` is an element or a directory of elements: it is an
 * element when it has an element file or a `*.d` directory, or when it has a
 * README and none of its sub-directories looks like an element.
 */
export function classifyLintDir(dir: string): TLintDirKind {
  const entries = listDir(dir);
  if (entries.some((e) => hasStrongMarker(dir, e))) return "element";
  const subdirs = entries.filter((e) => isDir(path.join(dir, e)));
  const subLooksLikeElement = subdirs.some((s) => {
    const sub = path.join(dir, s);
    const subEntries = safeList(sub);
    return subEntries.some((e) => README.has(e) || hasStrongMarker(sub, e));
  });
  if (!subLooksLikeElement && entries.some((e) => README.has(e))) return "element";
  return "elements";
}

/**
 * The elements under each target, deduplicated by real path, in target order
 * then name order.
 */
export function findLintTargets(dirs: readonly string[]): ElementRef[] {
  const seen = new Set<string>();
  const out: ElementRef[] = [];
  const add = (p: string): void => {
    const real = fs.realpathSync(p);
    if (seen.has(real)) return;
    seen.add(real);
    out.push({ name: path.basename(real), path: real });
  };
  for (const dir of dirs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch (err) {
      throw new LintTargetError(dir, `does not exist (${errCode(err)})`, { cause: err });
    }
    if (!st.isDirectory()) throw new LintTargetError(dir, "is not a directory");
    if (classifyLintDir(dir) === "element") {
      add(dir);
      continue;
    }
    const names = listDir(dir)
      .filter((n) => !n.startsWith(".") && !SKIP_DIRS.has(n))
      .filter((n) => isDir(path.join(dir, n)))
      .sort();
    for (const n of names) add(path.join(dir, n));
  }
  return out;
}

function hasStrongMarker(dir: string, entry: string): boolean {
  // Element names like `pkg-map` are also marker file names: only files count.
  if (ELEMENT_FILES.has(entry)) return !isDir(path.join(dir, entry));
  return entry.endsWith(".d") && isDir(path.join(dir, entry));
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    throw new LintTargetError(dir, `cannot be read (${errCode(err)})`, { cause: err });
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
