/**
 * Parse block-device YAML text the way DIB's `yaml.safe_load` would (YAML 1.1:
 * `yes` is true, `0x41` is an int) and remember the source line of every
 * mapping and list, so later errors can point at the line of the node.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { BlockDeviceConfigError } from "./errors.ts";

/** The parsed YAML and a way to find where an object came from. */
export interface LoadedYaml {
  /** The plain JS value of the document. */
  data: unknown;
  /** 1-based source line of a mapping or list from `data`, if known. */
  lineOf(value: unknown): number | undefined;
}

/** Parse `text`; a syntax error throws a {@link BlockDeviceConfigError} naming the line. */
export function loadConfigYaml(text: string, source?: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: "1.1", lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    const msg = first.message.split("\n")[0];
    throw new BlockDeviceConfigError(`YAML error at line ${line}: ${msg}`, {
      cause: first,
      source,
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new BlockDeviceConfigError(`YAML error: ${(err as Error).message}`, {
      cause: err,
      source,
    });
  }
  const lines = new WeakMap<object, number>();
  const record = (node: unknown, value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    const range = (node as Node).range;
    if (range) lines.set(value, lineCounter.linePos(range[0]).line);
    if (isMap(node) && !Array.isArray(value)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined) record(pair.value, (value as Record<string, unknown>)[key]);
      }
    } else if (isSeq(node) && Array.isArray(value)) {
      node.items.forEach((item, i) => record(item, value[i]));
    }
  };
  record(doc.contents, data);
  return {
    data,
    lineOf: (value) => (typeof value === "object" && value !== null ? lines.get(value) : undefined),
  };
}
