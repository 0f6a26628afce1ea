import fs from "node:fs";
import path from "node:path";
import type { ElementRef } from "../elements/types.ts";
import { readDirNames } from "../elements/read-names.ts";
import type { MergedHooks } from "../hooks/merge-hooks.ts";
import { installRuntimeLib } from "./runtime-lib.ts";

/**
 * Materialise the merged hooks tree as `$TMP_HOOKS_PATH`, as DIB's
 * generate_hooks does: every element sub-directory merged (symlinks kept as
 * symlinks, modes kept), and each element's top-level files copied to the
 * root of the tree (last element wins, as in DIB). Then the runtime
 * libraries: `dib-run-parts` at the root (DIB's in-target layout) and
 * Kiln's `_LIB` under `kiln-lib/`, so chroot phases see both at
 * `/tmp/in_target.d`.
 */
export function writeHooksTree(
  hooksPath: string,
  elements: ElementRef[],
  merged: MergedHooks,
  libDir?: string,
): void {
  fs.mkdirSync(hooksPath, { recursive: true });
  for (const [dir, entries] of merged) {
    const target = path.join(hooksPath, dir);
    fs.mkdirSync(target, { recursive: true });
    for (const [name, entry] of entries) {
      copyEntry(entry.source, path.join(target, name));
    }
  }
  for (const element of elements) {
    for (const name of readDirNames(element.path)) {
      const source = path.join(element.path, name);
      const stat = fs.statSync(source, { throwIfNoEntry: false });
      if (!stat?.isFile() || name.endsWith(".pyc")) continue;
      fs.copyFileSync(source, path.join(hooksPath, name));
      fs.chmodSync(path.join(hooksPath, name), stat.mode & 0o7777);
    }
  }
  installRuntimeLib(hooksPath, libDir);
}

/** `cp -a`: symlinks stay symlinks, directories merge, modes are kept. */
function copyEntry(source: string, target: string): void {
  const lstat = fs.lstatSync(source);
  if (lstat.isSymbolicLink()) {
    fs.rmSync(target, { force: true });
    fs.symlinkSync(fs.readlinkSync(source), target);
  } else if (lstat.isDirectory()) {
    fs.mkdirSync(target, { recursive: true });
    for (const name of readDirNames(source))
      copyEntry(path.join(source, name), path.join(target, name));
    fs.chmodSync(target, lstat.mode & 0o7777);
  } else {
    fs.copyFileSync(source, target);
    fs.chmodSync(target, lstat.mode & 0o7777);
  }
}
