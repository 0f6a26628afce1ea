import fs from "node:fs";
import path from "node:path";
import { DuplicateHookError } from "../errors.ts";
import { readDirNames } from "../elements/read-names.ts";
import type { ElementRef } from "../elements/types.ts";
import { isFile } from "./list-run-parts.ts";

/** One entry of the merged hooks tree: where it comes from. */
export interface MergedEntry {
  /** The element that ships this entry. */
  element: string;
  /** Absolute source path inside that element. */
  source: string;
  /** A directory (merged with same-named directories of other elements). */
  isDir: boolean;
}

/** The merged hooks tree: sub-directory name → entry name → entry. */
export type MergedHooks = Map<string, Map<string, MergedEntry>>;

/** Element sub-directories DIB never copies into the hooks tree. */
const NOT_COPIED = new Set(["tests", "__pycache__"]);

/**
 * Merge every sub-directory of every element (phase dirs, environment.d,
 * bin/, static/, …) the way DIB builds `$TMP_HOOKS_PATH`: a file name that
 * two elements ship in the same directory is fatal (and, unlike DIB, the
 * error names both elements); same-named directories merge; dot-files are
 * not copied.
 */
export function mergeHooks(elements: ElementRef[]): MergedHooks {
  const merged: MergedHooks = new Map();
  for (const element of elements) {
    for (const sub of readDirNames(element.path).sort()) {
      if (NOT_COPIED.has(sub)) continue;
      const subPath = path.join(element.path, sub);
      if (!isDirFollow(subPath)) continue;
      let dir = merged.get(sub);
      if (!dir) merged.set(sub, (dir = new Map()));
      for (const name of readDirNames(subPath).sort()) {
        if (name.startsWith(".")) continue;
        const source = path.join(subPath, name);
        const entry: MergedEntry = { element: element.name, source, isDir: isDirFollow(source) };
        const existing = dir.get(name);
        if (existing) {
          if (existing.isDir && entry.isDir) continue;
          if (existing.isDir || isFile(existing.source) || isFile(source)) {
            throw new DuplicateHookError(sub, name, [existing.element, element.name]);
          }
        }
        dir.set(name, entry);
      }
    }
  }
  return merged;
}

/**
 * Apply what the `install-types` element does in extra-data.d: for each
 * `DIB_INSTALLTYPE_<prefix>=<type>`, link the contents of
 * `install.d/<prefix>-<type>-install/` into install.d; then do the same with
 * `DIB_DEFAULT_INSTALLTYPE` (default `source`) for every prefix not named.
 * Linked entries replace same-named hooks (DIB uses `ln -sf`).
 */
export function applyInstallTypes(
  merged: MergedHooks,
  env: Record<string, string | undefined>,
): void {
  const install = merged.get("install.d");
  if (!install) return;
  const link = (dirName: string): void => {
    const dir = install.get(dirName);
    if (!dir?.isDir) return;
    for (const name of readDirNames(dir.source).sort()) {
      if (name.startsWith(".")) continue;
      const source = path.join(dir.source, name);
      install.set(name, { element: dir.element, source, isDir: isDirFollow(source) });
    }
  };
  const named = new Set<string>();
  for (const [key, type] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!key.startsWith("DIB_INSTALLTYPE_") || type === undefined) continue;
    const prefix = key.slice("DIB_INSTALLTYPE_".length).replace(/_/g, "-");
    link(`${prefix}-${type}-install`);
    named.add(prefix);
  }
  const suffix = `-${env.DIB_DEFAULT_INSTALLTYPE || "source"}-install`;
  for (const [name, entry] of [...install.entries()]) {
    if (!entry.isDir || !name.endsWith(suffix)) continue;
    if (!named.has(name.slice(0, -suffix.length))) link(name);
  }
}

function isDirFollow(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
