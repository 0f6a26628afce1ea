/** One `when` condition of a package-installs rule: `VAR = value` or `VAR != value`. */
export interface TWhen {
  /** Environment variable tested. */
  variable: string;
  /** `=` holds when the variable equals `value`, `!=` when it differs. */
  op: "=" | "!=";
  /** Right-hand side: the rest of the line after the operator and its spaces. */
  value: string;
  /** The condition as written, for messages. */
  source: string;
}

// Python's `\s` and `\w` on str patterns are Unicode-aware and differ from
// JS's `\s` (no U+FEFF, but U+001C-U+001F and U+0085); spelled out so
// conditions split exactly where DIB's `re.match` splits them.
const PY_SPACE =
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_WORD = "[\\p{L}\\p{N}_]";
// Anchored at the start only, like re.match; the value runs to the first
// newline as Python's `.` does (JS's `.` also stops at \r, U+2028, U+2029).
const WHEN_RE = new RegExp(
  `^(?<variable>${PY_WORD}+)${PY_SPACE}*(?<op>=|!=)${PY_SPACE}*(?<value>[^\\n]*)`,
  "u",
);

/** Parse one condition; `undefined` when it is malformed (DIB: "Malformed when line"). */
export function parseWhen(source: string): TWhen | undefined {
  const m = WHEN_RE.exec(source);
  if (!m?.groups) return undefined;
  const { variable, op, value } = m.groups;
  if (variable === undefined || value === undefined || (op !== "=" && op !== "!=")) {
    return undefined;
  }
  return { variable, op, value, source };
}

/**
 * Evaluate conditions (all must hold). Returns the name of the first
 * variable that is unset instead of a result, since DIB refuses to guess.
 */
export function evaluateWhen(
  conditions: readonly TWhen[],
  env: Record<string, string | undefined>,
): { ok: boolean } | { unset: string } {
  let ok = true;
  for (const c of conditions) {
    const actual = env[c.variable];
    if (actual === undefined) return { unset: c.variable };
    const holds = c.op === "=" ? c.value === actual : c.value !== actual;
    // DIB checks every condition (so an unset variable later in the list
    // still fails the build) before combining them.
    ok &&= holds;
  }
  return { ok };
}
