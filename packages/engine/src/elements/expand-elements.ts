import path from "node:path";
import {
  AlreadyProvidedError,
  MissingElementError,
  MissingOSError,
} from "../errors.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { pyList } from "./py-repr.ts";
import { readListFile } from "./read-names.ts";
import type { ElementRef } from "./types.ts";

export interface ExpandElementsOptions {
  /** Element names as requested, in request order (duplicates are kept, as DIB does). */
  requested: string[];
  /** Every element on the path, from `findElements`. */
  elements: Map<string, ElementRef>;
  /** Receives the conflict lines DIB logs for a requested-and-provided element. */
  logger?: Logger;
}

interface ElementMeta {
  deps: string[];
  provides: string[];
}

/**
 * Expand requested elements to their dependency closure exactly as DIB's
 * element-info does, but deterministically.
 *
 * DIB walks a FIFO queue seeded with the request; each element's
 * dependencies are queued in Python set order (random per process) and a
 * name is skipped when an element dequeued earlier provides it. Kiln walks
 * the same queue with each element's dependencies (and provides) in byte
 * order of their names, so every result is one DIB can give, always the
 * same one. The result lists elements in the order they were first reached
 * (requested first, in request order), provided names left out. Errors are
 * DIB's, raised at the same point of the walk.
 */
export function expandElements(options: ExpandElementsOptions): ElementRef[] {
  const logger = options.logger ?? silentLogger;
  const all = options.elements;
  const final = new Set<string>(options.requested);
  const queue: { name: string; from?: string }[] = options.requested.map((name) => ({ name }));
  const provided = new Set<string>();
  const providedBy = new Map<string, string[]>();

  for (let head = 0; head < queue.length; head++) {
    const { name, from } = queue[head] as { name: string; from?: string };
    if (provided.has(name)) continue;
    const ref = all.get(name);
    if (!ref) throw new MissingElementError(name, from);
    const m = readMeta(ref);
    for (const p of m.provides) {
      if (provided.has(p)) {
        throw new AlreadyProvidedError(`${p}: already provided by ${pyList(providedBy.get(p) ?? [])}`, [
          { name: p, providers: providedBy.get(p) ?? [] },
        ]);
      }
      providedBy.set(p, [...(providedBy.get(p) ?? []), name]);
    }
    for (const p of m.provides) provided.add(p);
    for (const dep of m.deps) {
      if (!final.has(dep) && !provided.has(dep)) queue.push({ name: dep, from: name });
      final.add(dep);
    }
  }

  const conflicts = [...new Set(options.requested)]
    .filter((n) => provided.has(n))
    .map((n) => ({ name: n, providers: providedBy.get(n) ?? [] }));
  if (conflicts.length > 0) {
    const lines = [
      "The following elements are already provided by another element",
      ...conflicts.map((c) => `${c.name} : already provided by ${pyList(c.providers)}`),
    ];
    for (const line of lines) logger.error(line);
    throw new AlreadyProvidedError(lines.join("\n"), conflicts);
  }
  if (!provided.has("operating-system")) throw new MissingOSError();
  return [...final].filter((n) => !provided.has(n)).map((n) => all.get(n) as ElementRef);
}

function readMeta(ref: ElementRef): ElementMeta {
  return {
    deps: readListFile(path.join(ref.path, "element-deps")).sort(),
    provides: readListFile(path.join(ref.path, "element-provides")).sort(),
  };
}
