/**
 * GNU `sort -n` under the C locale, which dib-run-parts uses to order hooks:
 * the key is the leading number (optional blanks, optional '-', digits, an
 * optional '.' fraction); a name without one has key 0. Keys compare
 * numerically at any length; ties fall back to byte order of the whole name.
 */
export function compareRunParts(a: string, b: string): number {
  const byKey = compareNumericKeys(numericKey(a), numericKey(b));
  if (byKey !== 0) return byKey;
  return compareBytes(a, b);
}

/** Byte-order comparison (C locale `strcmp`) of two strings as UTF-8. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Sort names as `LC_ALL=C sort -n` does. Returns a new array. */
export function sortRunParts(names: readonly string[]): string[] {
  return [...names].sort(compareRunParts);
}

interface NumericKey {
  negative: boolean;
  /** Integer digits without leading zeros ("" for zero). */
  int: string;
  /** Fraction digits without trailing zeros. */
  frac: string;
}

function numericKey(s: string): NumericKey {
  const m = /^[ \t]*(-?)([0-9]*)(?:\.([0-9]*))?/.exec(s);
  const negative = m?.[1] === "-";
  const intDigits = m?.[2] ?? "";
  const fracDigits = m?.[3] ?? "";
  const int = intDigits.replace(/^0+/, "");
  const frac = fracDigits.replace(/0+$/, "");
  // "-" alone, or "-" before a non-digit, is zero: and so is negative zero.
  const zero = int === "" && frac === "";
  return { negative: negative && !zero, int, frac };
}

function compareNumericKeys(a: NumericKey, b: NumericKey): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const mag = compareMagnitude(a, b);
  return a.negative ? -mag : mag;
}

function compareMagnitude(a: NumericKey, b: NumericKey): number {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  if (a.frac !== b.frac) return a.frac < b.frac ? -1 : 1;
  return 0;
}
