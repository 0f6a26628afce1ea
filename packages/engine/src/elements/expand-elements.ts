import path from "node:path";
import {
  AlreadyProvidedError,
  type KilnError,
  MissingElementError,
  MissingOSError,
} from "../errors.ts";
import { silentLogger, type Logger } from "../logger.ts";
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

interface Pass {
  result: string[];
  /** Every name reached (requested or depended on). */
  reached: Set<string>;
  provided: Set<string>;
  /** Names that were expanded as real elements although something provides them. */
  expandedButProvided: string[];
  error?: KilnError;
}

/**
 * Expand requested elements to their dependency closure, as DIB's
 * element-info does, but deterministically.
 *
 * Order rule: breadth-first from the requested elements in request order;
 * each element's dependencies are visited in byte order of their names; the
 * result lists elements in the order they were first reached, with every
 * provided (virtual) name left out.
 *
 * Provided names: DIB skips a name only when its provider happened to be
 * expanded first, which depends on Python's hash seed. Kiln never expands a
 * name that some element of the final closure provides: when a pass expands
 * such a name, the expansion is rerun with that name treated as provided,
 * until nothing changes. Errors are reported from the settled pass only.
 */
export function expandElements(options: ExpandElementsOptions): ElementRef[] {
  const logger = options.logger ?? silentLogger;
  const metaCache = new Map<string, ElementMeta>();
  const meta = (ref: ElementRef): ElementMeta => {
    let m = metaCache.get(ref.name);
    if (!m) {
      m = {
        deps: readListFile(path.join(ref.path, "element-deps")).sort(),
        provides: readListFile(path.join(ref.path, "element-provides")).sort(),
      };
      metaCache.set(ref.name, m);
    }
    return m;
  };

  const skip = new Set<string>();
  const neverSkip = new Set<string>();
  let pass = runPass(options.requested, options.elements, meta, skip);
  // A name enters `skip` at most once and leaves it at most once (into
  // `neverSkip`, when its provider fell out of the closure), so this settles.
  for (let i = 0; i <= 2 * options.elements.size + 1; i++) {
    const add = pass.expandedButProvided.filter((n) => !neverSkip.has(n));
    const drop = [...skip].filter((n) => pass.reached.has(n) && !pass.provided.has(n));
    if (add.length === 0 && drop.length === 0) break;
    for (const name of add) skip.add(name);
    for (const name of drop) {
      skip.delete(name);
      neverSkip.add(name);
    }
    pass = runPass(options.requested, options.elements, meta, skip);
  }
  if (pass.error) {
    if (pass.error instanceof AlreadyProvidedError && pass.error.conflicts.length > 0) {
      for (const line of pass.error.message.split("\n")) logger.error(line);
    }
    throw pass.error;
  }
  return pass.result.map((name) => options.elements.get(name) as ElementRef);
}

function runPass(
  requested: string[],
  all: Map<string, ElementRef>,
  meta: (ref: ElementRef) => ElementMeta,
  skip: Set<string>,
): Pass {
  const final = new Set<string>(requested);
  const queue: { name: string; from?: string }[] = requested.map((name) => ({ name }));
  const provided = new Set<string>();
  const providedBy = new Map<string, string[]>();
  const expanded: string[] = [];
  const fail = (error: KilnError): Pass => ({
    result: [],
    reached: final,
    provided,
    expandedButProvided: [],
    error,
  });

  for (let head = 0; head < queue.length; head++) {
    const { name, from } = queue[head] as { name: string; from?: string };
    if (provided.has(name) || skip.has(name)) continue;
    const ref = all.get(name);
    if (!ref) return withRetry(fail(new MissingElementError(name, from)), expanded, provided);
    expanded.push(name);
    const m = meta(ref);
    for (const p of m.provides) {
      if (provided.has(p)) {
        const by = providedBy.get(p) ?? [];
        const err = new AlreadyProvidedError(`${p}: already provided by ${pyList(by)}`, []);
        // Count this element's provides too: the conflict may vanish once a
        // name it provides is no longer expanded on its own.
        for (const q of m.provides) provided.add(q);
        return withRetry(fail(err), expanded, provided);
      }
      providedBy.set(p, [...(providedBy.get(p) ?? []), name]);
    }
    for (const p of m.provides) provided.add(p);
    for (const dep of m.deps) {
      if (!final.has(dep) && !provided.has(dep)) queue.push({ name: dep, from: name });
      final.add(dep);
    }
  }

  const pass: Pass = {
    result: [...final].filter((n) => !provided.has(n)),
    reached: final,
    provided,
    expandedButProvided: expanded.filter((n) => provided.has(n) && !skip.has(n)),
  };
  const conflicts = [...new Set(requested)]
    .filter((n) => provided.has(n))
    .map((n) => ({ name: n, providers: providedBy.get(n) ?? [] }));
  if (conflicts.length > 0) {
    const lines = [
      "The following elements are already provided by another element",
      ...conflicts.map((c) => `${c.name} : already provided by ${pyList(c.providers)}`),
    ];
    pass.error = new AlreadyProvidedError(lines.join("\n"), conflicts);
  } else if (!provided.has("operating-system")) {
    pass.error = new MissingOSError();
  }
  return pass;
}

/**
 * A pass that failed part-way may still have expanded names that its
 * providers provide; the caller reruns with those skipped before believing
 * the error.
 */
function withRetry(pass: Pass, expanded: string[], provided: Set<string>): Pass {
  pass.expandedButProvided = expanded.filter((n) => provided.has(n));
  return pass;
}
