import fs from "node:fs";
import { parseDocument } from "yaml";
import { ElementFileError } from "../errors.ts";

/**
 * Parse an element data file the way DIB's package-installs-squash does:
 * JSON first, YAML when that fails, whatever the file's extension. Mappings
 * come back as `Map` so the file's key order survives even for keys such as
 * "7" that a plain JS object would move to the front. YAML is read as YAML 1.1
 * because DIB uses PyYAML (`yes`/`no` are booleans there).
 */
export function parseJsonOrYaml(text: string, file: string): unknown {
  let json: unknown;
  let isJson = true;
  try {
    json = JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (isJson) {
    // Same data, re-read only to recover key order; the JSON parse is the
    // authority if the YAML reader disagrees with it.
    const doc = parseDocument(text, { version: "1.2", schema: "json", uniqueKeys: false });
    if (doc.errors.length === 0) return doc.toJS({ mapAsMap: true });
    return toMaps(json);
  }
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: false, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : "";
    const summary = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw new ElementFileError(file, `${where}invalid JSON/YAML: ${summary}`);
  }
  return doc.toJS({ mapAsMap: true });
}

/** Read and parse `file` (see `parseJsonOrYaml`); unreadable files name the file. */
export function readJsonOrYaml(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (cause) {
    throw new ElementFileError(file, `cannot read: ${(cause as Error).message}`, { cause });
  }
  return parseJsonOrYaml(text, file);
}

function toMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toMaps);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).map(([k, v]) => [k, toMaps(v)]));
  }
  return value;
}
