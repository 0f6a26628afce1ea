/**
 * The cross-element rule: DIB merges every sub-directory of every element into
 * one hooks tree and stops when two elements ship the same file name in the
 * same directory (spec §2.3). Lint finds those pairs before a build does.
 */
import fs from "node:fs";
import path from "node:path";
import { readListFile } from "../elements/read-names.ts";
import type { ElementRef } from "../elements/types.ts";
import { isDisabled, type LintDirectives } from "./parse-lint-directives.ts";

// DIB does not copy these into the hooks tree.
const NOT_MERGED = new Set(["tests", "__pycache__"]);

export interface HookNameFinding {
  element: string;
  file: string;
  message: string;
}

interface Entry {
  element: ElementRef;
  file: string;
}

/**
 * Find files that two elements ship under the same `<dir>/<name>`. Pairs are
 * skipped when the elements cannot be in one build anyway: same element name
 * (one overrides the other on the path), or a shared `element-provides` name
 * (for example two `operating-system` elements).
 */
export function checkHookNames(
  elements: readonly ElementRef[],
  directivesOf: (file: string) => LintDirectives | undefined,
): HookNameFinding[] {
  const byKey = new Map<string, Entry[]>();
  for (const element of elements) {
    for (const [key, file] of mergedFiles(element.path)) {
      const list = byKey.get(key) ?? [];
      list.push({ element, file });
      byKey.set(key, list);
    }
  }
  const provides = new Map<string, Set<string>>();
  const providesOf = (e: ElementRef): Set<string> => {
    let set = provides.get(e.path);
    if (!set) {
      set = new Set(readListFile(path.join(e.path, "element-provides")));
      provides.set(e.path, set);
    }
    return set;
  };
  const exclusive = (a: ElementRef, b: ElementRef): boolean => {
    if (a.name === b.name) return true;
    const pa = providesOf(a);
    const pb = providesOf(b);
    if (pa.has(b.name) || pb.has(a.name)) return true;
    for (const p of pa) if (pb.has(p)) return true;
    return false;
  };
  const disabled = (file: string): boolean => {
    const d = directivesOf(file);
    return d !== undefined && isDisabled(d, "unique-hook-names");
  };

  const out: HookNameFinding[] = [];
  for (const [key, entries] of [...byKey].sort(([a], [b]) => cmp(a, b))) {
    if (entries.length < 2) continue;
    entries.sort((a, b) => cmp(a.element.name, b.element.name) || cmp(a.file, b.file));
    entries.forEach((cur, i) => {
      if (disabled(cur.file)) return;
      const clashes = entries
        .slice(0, i)
        .filter((prev) => !exclusive(prev.element, cur.element) && !disabled(prev.file))
        .map((prev) => `'${prev.element.name}'`);
      if (clashes.length === 0) return;
      out.push({
        element: cur.element.name,
        file: cur.file,
        message:
          `${key} is also shipped by ${clashes.length > 1 ? "elements" : "element"} ` +
          `${clashes.join(", ")}; ` +
          `DIB stops with a duplicated hook when both are used`,
      });
    });
  }
  return out;
}

/** `<dir>/<name>` → absolute file, for every file DIB's hook merge copies. */
function mergedFiles(elementDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of safeList(elementDir)) {
    if (dir.startsWith(".") || NOT_MERGED.has(dir)) continue;
    const full = path.join(elementDir, dir);
    if (!statOf(full)?.isDirectory()) continue;
    for (const name of safeList(full)) {
      if (name.startsWith(".")) continue;
      const file = path.join(full, name);
      const st = statOf(file);
      // Directories merge silently in DIB; broken links are not compared.
      if (st && !st.isDirectory()) out.set(`${dir}/${name}`, file);
    }
  }
  return out;
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
