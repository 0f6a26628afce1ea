/**
 * The element lint rule table. Rules follow what DIB's `dib-lint` enforces on
 * its own element tree (those are errors: DIB's CI fails on them, or a DIB
 * build fails on them), plus a few Kiln checks for hooks DIB would silently
 * skip (warnings).
 */
import * as z from "zod";

export const LINT_RULE_IDS = [
  "readme",
  "executable",
  "shebang",
  "set-e",
  "set-u",
  "pipefail",
  "debug-trace",
  "indent",
  "tabs",
  "final-newline",
  "sorted-deps",
  "deps-comment",
  "env-no-xtrace",
  "env-not-executable",
  "export-subshell",
  "safe-sudo",
  "which",
  "yaml",
  "pkg-map-json",
  "unique-hook-names",
  "hook-not-run",
  "legacy-package-list",
  "lint-directive",
] as const;

export type TLintRuleId = (typeof LINT_RULE_IDS)[number];

export const ZLintSeverity = z.enum(["error", "warning"]);
export type TLintSeverity = z.infer<typeof ZLintSeverity>;

/** One problem found in an element. */
export const ZLintFinding = z.object({
  /** Rule id from `LINT_RULES`. */
  rule: z.enum(LINT_RULE_IDS),
  severity: ZLintSeverity,
  /** Element name (basename of the element directory's realpath). */
  element: z.string(),
  /** Absolute path of the offending file, or of the element directory. */
  file: z.string(),
  /** 1-based line, when the finding points into a file. */
  line: z.number().int().positive().optional(),
  message: z.string(),
});
export type TLintFinding = z.infer<typeof ZLintFinding>;

export interface LintRule {
  id: TLintRuleId;
  severity: TLintSeverity;
  /** dib-lint's name for the same check, accepted in disable comments. */
  dibName?: string;
  /** Why the rule exists, in one line. */
  reason: string;
}

export const LINT_RULES: readonly LintRule[] = [
  {
    id: "readme",
    severity: "error",
    reason: "every element documents what it does and the variables it reads in README.rst/.md",
  },
  {
    id: "executable",
    severity: "error",
    dibName: "executable",
    reason: "a file with a #! line is meant to run; without +x dib-run-parts silently skips it",
  },
  {
    id: "shebang",
    severity: "error",
    reason: "bash scripts use exactly #!/bin/bash, not env lookups or interpreter flags",
  },
  {
    id: "set-e",
    severity: "error",
    dibName: "sete",
    reason: "bash scripts need `set -e` so a failing command fails the build",
  },
  {
    id: "set-u",
    severity: "error",
    dibName: "setu",
    reason: "bash scripts need `set -u` so a misspelt or unset variable fails the build",
  },
  {
    id: "pipefail",
    severity: "error",
    dibName: "setpipefail",
    reason: "bash scripts need `set -o pipefail` so a failure inside a pipeline is not lost",
  },
  {
    id: "debug-trace",
    severity: "error",
    dibName: "dibdebugtrace",
    reason: "bash scripts turn on `set -x` when DIB_DEBUG_TRACE > 0 so `-x` builds are traceable",
  },
  {
    id: "indent",
    severity: "error",
    dibName: "indent",
    reason: "shell scripts indent by multiples of 4 spaces",
  },
  {
    id: "tabs",
    severity: "error",
    dibName: "tabindent",
    reason: "scripts and docs indent with spaces, never tabs",
  },
  {
    id: "final-newline",
    severity: "error",
    dibName: "newline",
    reason:
      "scripts, docs and source-repository files end with a newline (`read` drops the last line)",
  },
  {
    id: "sorted-deps",
    severity: "error",
    reason: "element-deps is kept in alphabetical order so merges and reviews stay simple",
  },
  {
    id: "deps-comment",
    severity: "error",
    reason:
      "element-deps/element-provides have no comment syntax: `# x` is read as an element name",
  },
  {
    id: "env-no-xtrace",
    severity: "error",
    reason: "environment.d files are sourced into every phase; `set -x` there changes every hook",
  },
  {
    id: "env-not-executable",
    severity: "error",
    reason: "environment.d files are sourced, not run; an exec bit suggests a misplaced hook",
  },
  {
    id: "export-subshell",
    severity: "error",
    reason: "`export X=$(cmd)` hides cmd's exit status from `set -e`; assign first, then export",
  },
  {
    id: "safe-sudo",
    severity: "error",
    dibName: "safe_sudo",
    reason: "sudo in a host-side phase must visibly target the image ($TARGET_ROOT, …)",
  },
  {
    id: "which",
    severity: "error",
    dibName: "which",
    reason: "`which` is not a builtin and is missing from minimal images; use `command -v`",
  },
  {
    id: "yaml",
    severity: "error",
    reason: "YAML files in an element must parse",
  },
  {
    id: "pkg-map-json",
    severity: "error",
    reason: "a non-executable pkg-map file is JSON and must parse",
  },
  {
    id: "unique-hook-names",
    severity: "error",
    reason: "two elements shipping one file name in one directory make DIB's hook merge fail",
  },
  {
    id: "hook-not-run",
    severity: "warning",
    reason: "dib-run-parts runs only executable files named [0-9A-Za-z_-]+; others are skipped",
  },
  {
    id: "legacy-package-list",
    severity: "warning",
    reason: "per-phase `package-installs-<element>` lists are deprecated for package-installs.yaml",
  },
  {
    id: "lint-directive",
    severity: "warning",
    reason: "a disable comment names a rule that does not exist, so it disables nothing",
  },
];

const RULES_BY_ID = new Map<string, LintRule>(LINT_RULES.map((r) => [r.id, r]));

/** Extra names accepted in disable comments and ignore lists. */
const EXTRA_ALIASES: Record<string, TLintRuleId[]> = {
  "set-eu": ["set-e", "set-u"],
};

/**
 * dib-lint checks Kiln leaves out; their names are accepted in disable
 * comments without a `lint-directive` warning. `mddocs` bans .md files, which
 * conflicts with Kiln's README.md convention; flake8 is a Python linter's job.
 */
const DIB_ONLY_NAMES: ReadonlySet<string> = new Set(["mddocs"]);

export function getLintRule(id: TLintRuleId): LintRule {
  const rule = RULES_BY_ID.get(id);
  if (!rule) throw new Error(`no lint rule '${id}'`);
  return rule;
}

/**
 * Resolve a name from a disable comment or ignore list: a Kiln id, a dib-lint
 * name, or an alias. Returns `undefined` for unknown names and `[]` for
 * dib-lint names Kiln does not implement.
 */
export function resolveRuleName(name: string): TLintRuleId[] | undefined {
  const byId = RULES_BY_ID.get(name);
  if (byId) return [byId.id];
  const byDib = LINT_RULES.find((r) => r.dibName === name);
  if (byDib) return [byDib.id];
  const alias = EXTRA_ALIASES[name];
  if (alias) return alias;
  if (DIB_ONLY_NAMES.has(name)) return [];
  return undefined;
}
