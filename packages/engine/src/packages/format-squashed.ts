import type { TSquashed } from "./squash-package-installs.ts";

/**
 * The squashed lists exactly as DIB writes `/tmp/package-installs.json`
 * (`json.dump(data, f, indent=True, separators=(',', ': '))`): one-space
 * indentation, `[]`/`{}` for empty containers, non-ASCII escaped, no
 * trailing newline. Byte-identical, so the two can be diffed.
 */
export function formatSquashed(squashed: TSquashed): string {
  return formatPythonJson(squashed, 1);
}

/**
 * Python's `json.dumps(value, indent=N, separators=(',', ': '))` with the
 * default `ensure_ascii=True`, for strings, numbers, booleans, null, arrays
 * and plain objects (keys in insertion order).
 */
export function formatPythonJson(value: unknown, indent: number): string {
  return encode(value, 0, " ".repeat(indent));
}

function encode(value: unknown, depth: number, unit: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pythonJsonString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return encodeNumber(value);
  const inner = "\n" + unit.repeat(depth + 1);
  const outer = "\n" + unit.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return (
      "[" + inner + value.map((v) => encode(v, depth + 1, unit)).join("," + inner) + outer + "]"
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const items = entries.map(([k, v]) => pythonJsonString(k) + ": " + encode(v, depth + 1, unit));
  return "{" + inner + items.join("," + inner) + outer + "}";
}

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  // Only integers reach here in practice; Python's float repr differs from JS
  // for some floats (1e16 vs 1e+16), which the squashed lists never hold.
  return String(n);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/**
 * A string as Python's ASCII-only JSON encoder writes it: everything outside
 * printable ASCII (0x20-0x7e) becomes `\uXXXX` in lowercase hex, astral
 * characters as their UTF-16 surrogate pair, like JS strings store them.
 */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += "\\u" + code.toString(16).padStart(4, "0");
  }
  return out + '"';
}
