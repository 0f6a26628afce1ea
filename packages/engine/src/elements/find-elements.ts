import fs from "node:fs";
import path from "node:path";
import { ElementsPathUnsetError, InvalidElementDirError } from "../errors.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { readDirNames } from "./read-names.ts";
import type { ElementRef } from "./types.ts";

export interface FindElementsOptions {
  /** Colon-separated string (ELEMENTS_PATH syntax) or list of directories; earliest wins. */
  elementsPath: string | string[];
  /** Receives a warning for every shadowed element. */
  logger?: Logger;
}

/** Split an ELEMENTS_PATH value; an empty value is an error as in DIB. */
export function splitElementsPath(elementsPath: string | string[]): string[] {
  const entries = typeof elementsPath === "string" ? elementsPath.split(":") : elementsPath;
  if (entries.length === 0 || (entries.length === 1 && entries[0] === "")) {
    throw new ElementsPathUnsetError();
  }
  return entries;
}

/**
 * Discover every element on the path. Each sub-directory of an entry is an
 * element named after its real path's basename; the earliest entry wins
 * ($PATH semantics) and each shadowed copy is logged. Dot-directories (.git,
 * caches) are not elements: a deliberate difference from DIB, which lists them
 * but can never use them.
 */
export function findElements(options: FindElementsOptions): Map<string, ElementRef> {
  const logger = options.logger ?? silentLogger;
  const found = new Map<string, ElementRef>();
  for (const entry of splitElementsPath(options.elementsPath)) {
    if (!isDirectory(entry)) throw new InvalidElementDirError(entry);
    for (const name of readDirNames(entry).sort()) {
      if (name.startsWith(".")) continue;
      const candidate = path.join(entry, name);
      if (!isDirectory(candidate)) continue;
      const real = fs.realpathSync(candidate);
      const ref: ElementRef = { name: path.basename(real), path: real };
      const winner = found.get(ref.name);
      if (winner) {
        if (winner.path !== ref.path) {
          logger.warn(`Element ${winner.path} overrides ${ref.path}`, {
            element: ref.name,
            winner: winner.path,
            shadowed: ref.path,
          });
        }
        continue;
      }
      found.set(ref.name, ref);
    }
  }
  return found;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
