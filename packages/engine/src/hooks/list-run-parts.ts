import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { InvalidRunPartsRegexError } from "../errors.ts";
import { readDirNames } from "../elements/read-names.ts";
import { compareBytes, sortRunParts } from "./sort-run-parts.ts";

/** dib-run-parts' default name filter: no dots, so `foo.sh` never runs. */
export const DEFAULT_RUN_PARTS_REGEX = "^[0-9A-Za-z_-]+$";

/** environment.d files: any name of these characters, dot-files included. */
const ENV_FILE_NAME = /^[0-9A-Za-z_.-]+$/;

export interface ListRunPartsOptions {
  /** Override of the name filter (DIB's `RUN_PARTS_REGEX`), an extended regex. */
  regex?: string;
}

/**
 * The hooks dib-run-parts would run from `dir`, in run order: regular files
 * (after following symlinks) that the caller may execute and whose names
 * match the filter, sorted as `LC_ALL=C sort -n`.
 */
export function listRunParts(dir: string, options: ListRunPartsOptions = {}): string[] {
  if (!isDir(dir)) {
    throw new KilnError("USAGE", `Scripts directory [${dir}] must exist and be a directory`);
  }
  const filter = compileRunPartsRegex(options.regex);
  const names = readDirNames(dir).filter(
    (name) => filter.test(name) && isExecutableFile(path.join(dir, name)),
  );
  return sortRunParts(names);
}

/**
 * dib-run-parts' name filter as a RegExp (the default when `regex` is
 * undefined); throws `InvalidRunPartsRegexError` naming the bad value.
 */
export function compileRunPartsRegex(regex: string | undefined): RegExp {
  try {
    return new RegExp(regex ?? DEFAULT_RUN_PARTS_REGEX);
  } catch (err) {
    throw new InvalidRunPartsRegexError(regex ?? DEFAULT_RUN_PARTS_REGEX, { cause: err });
  }
}

/**
 * The environment.d files dib-run-parts sources before a phase's hooks:
 * regular files (after following symlinks) with conforming names, in byte
 * order of their names; no execute bit is needed.
 */
export function listEnvironmentFiles(envDir: string): string[] {
  if (!isDir(envDir)) return [];
  return readDirNames(envDir)
    .filter((name) => ENV_FILE_NAME.test(name) && isFile(path.join(envDir, name)))
    .sort(compareBytes);
}

/** A regular file, following symlinks (find's `-xtype f`). */
export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A regular file the caller may execute (`-xtype f -executable`). */
export function isExecutableFile(p: string): boolean {
  if (!isFile(p)) return false;
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
