/**
 * Disable comments inside element files.
 *
 * - A comment line `# kiln-lint: disable=<id>[,<id>…]` or dib-lint's
 *   `# dib-lint: disable=<name> [<name>…]` anywhere in a file disables those
 *   rules for the whole file (dib-lint accepts it on any line, and DIB's own
 *   elements put it below the licence header, so "first lines only" would
 *   break them).
 * - The same comment trailing a code line disables the rules on that line only.
 * - dib-lint's line markers `# dib-lint: safe_sudo` and `# dib-lint: which`
 *   (any dib-lint rule name without `disable=`) disable that rule on that line.
 *
 * Names may be Kiln ids or dib-lint names; text after ` -- ` is a free-form
 * reason.
 */
import { resolveRuleName, type TLintRuleId } from "./lint-rules.ts";

export interface LintDirectives {
  /** Rules disabled for the whole file. */
  fileDisabled: Set<TLintRuleId>;
  /** 1-based line number → rules disabled on that line. */
  lineDisabled: Map<number, Set<TLintRuleId>>;
  /** Names in disable comments that match no rule. */
  unknown: { line: number; name: string }[];
}

const DISABLE_RE = /(?:dib|kiln)-lint:\s*disable=(.*)$/;
const WHOLE_LINE_RE = /^\s*#\s*(?:dib|kiln)-lint:\s*disable=/;
const DIB_MARKER_RE = /dib-lint:\s*([A-Za-z_-]+)/g;

export function parseLintDirectives(lines: readonly string[]): LintDirectives {
  const out: LintDirectives = { fileDisabled: new Set(), lineDisabled: new Map(), unknown: [] };
  lines.forEach((text, index) => {
    if (!text.includes("-lint:")) return;
    const lineNo = index + 1;
    const target = WHOLE_LINE_RE.test(text) ? out.fileDisabled : lineSet(out, lineNo);
    const disable = DISABLE_RE.exec(text);
    if (disable) {
      const list = (disable[1] ?? "").split(" -- ")[0] ?? "";
      for (const name of list.split(/[\s,]+/).filter(Boolean)) {
        addNames(out, target, name, lineNo);
      }
    }
    for (const m of text.matchAll(DIB_MARKER_RE)) {
      const name = m[1] ?? "";
      if (name === "disable") continue;
      addNames(out, lineSet(out, lineNo), name, lineNo);
    }
  });
  return out;
}

/** True when `rule` is disabled for the file or on `line`. */
export function isDisabled(d: LintDirectives, rule: TLintRuleId, line?: number): boolean {
  if (d.fileDisabled.has(rule)) return true;
  return line !== undefined && (d.lineDisabled.get(line)?.has(rule) ?? false);
}

function lineSet(d: LintDirectives, line: number): Set<TLintRuleId> {
  let set = d.lineDisabled.get(line);
  if (!set) {
    set = new Set();
    d.lineDisabled.set(line, set);
  }
  return set;
}

function addNames(d: LintDirectives, into: Set<TLintRuleId>, name: string, line: number): void {
  const ids = resolveRuleName(name);
  if (ids === undefined) d.unknown.push({ line, name });
  else for (const id of ids) into.add(id);
}
