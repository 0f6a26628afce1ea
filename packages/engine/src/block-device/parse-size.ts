/**
 * Size specs as DIB's block-device layer reads them (`utils.py`
 * `parse_abs_size_spec` / `parse_rel_size_spec`): a number, an optional
 * single space, and a case-sensitive unit; `%` sizes are relative to a base.
 * Results are truncated the way Python's `int(float)` truncates.
 */
import { InvalidSizeError } from "./errors.ts";

/** Unit factors, exact and case sensitive: binary `*iB`, decimal `*B` and bare letters. */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  TiB: 1024 ** 4,
  GiB: 1024 ** 3,
  MiB: 1024 ** 2,
  KiB: 1024,
  TB: 1000 ** 4,
  GB: 1000 ** 3,
  MB: 1000 ** 2,
  KB: 1000,
  T: 1000 ** 4,
  G: 1000 ** 3,
  M: 1000 ** 2,
  K: 1000,
  B: 1,
  "": 1,
};

const ABS_SPEC = /^([\d.]*) ?([a-zA-Z0-9_]*)$/;
// What Python's float() accepts from the `[\d.]*` group: "1", "1.", ".5", "1.5".
const PLAIN_NUMBER = /^(\d+\.?\d*|\.\d+)$/;
// What Python's float() accepts before a `%` (sign, exponent, surrounding blanks).
const PERCENT_NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Parse an absolute size (`"10GiB"`, `"1.5 G"`, `"512"`, `"MiB"` = 1 MiB) to bytes. */
export function parseAbsSize(spec: string): number {
  if (typeof spec !== "string") {
    throw new InvalidSizeError(spec, "sizes must be strings (quote numbers in YAML)");
  }
  const match = ABS_SPEC.exec(spec);
  if (!match) throw new InvalidSizeError(spec, "expected a number and a unit like 10GiB");
  const [, count = "", unit = ""] = match;
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) {
    throw new InvalidSizeError(spec, `unit '${unit}' is not known (use ${unitList()})`);
  }
  if (count === "") return factor;
  if (!PLAIN_NUMBER.test(count)) throw new InvalidSizeError(spec, `'${count}' is not a number`);
  return Math.trunc(factor * Number(count));
}

/** A parsed size: bytes, and whether it came from a `%` of the base. */
export interface ParsedSize {
  bytes: number;
  relative: boolean;
}

/** Parse a size that may be relative: `"40%"` is 40 % of `base` bytes, else absolute. */
export function parseRelSize(spec: string, base: number): ParsedSize {
  if (typeof spec !== "string") {
    throw new InvalidSizeError(spec, "sizes must be strings (quote numbers in YAML)");
  }
  if (spec.endsWith("%")) {
    const num = spec.slice(0, -1);
    if (!PERCENT_NUMBER.test(num)) throw new InvalidSizeError(spec, `'${num}' is not a number`);
    // Same operation order as DIB (base * percent / 100.0) so doubles round alike.
    return { bytes: Math.trunc((base * Number(num)) / 100), relative: true };
  }
  if (spec === "") throw new InvalidSizeError(spec, "empty size");
  return { bytes: parseAbsSize(spec), relative: false };
}

/** `parseRelSize(...).bytes`: the size in bytes, `%` taken of `base`. */
export function parseSize(spec: string, base = 0): number {
  return parseRelSize(spec, base).bytes;
}

/** Check a spec parses (a `%` is accepted without a base); throws {@link InvalidSizeError}. */
export function checkSizeSpec(spec: unknown): void {
  parseRelSize(spec as string, 0);
}

function unitList(): string {
  return Object.keys(SIZE_UNITS)
    .filter((u) => u !== "")
    .join(", ");
}
