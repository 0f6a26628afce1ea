/**
 * Rules that look at one file of an element: its mode, its #! line and its
 * text. Scope follows dib-lint: every file of the element tree is looked at
 * (static/ and tests/ included: DIB's own static scripts carry disable
 * comments), docs/YAML/Python only by the rules meant for them.
 */
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { CHROOT_PHASES, PHASES, type TPhase } from "@kiln/contracts/phases";
import type { TLintRuleId } from "./lint-rules.ts";
import { isDisabled, parseLintDirectives, type LintDirectives } from "./parse-lint-directives.ts";

/** One regular file inside an element. */
export interface ElementFile {
  /** Absolute path. */
  file: string;
  /** Path relative to the element directory, `/`-separated. */
  rel: string;
  /** `stat.mode`; any execute bit counts as executable, as `test -x` does for root. */
  mode: number;
  content: Buffer;
}

export type ReportFn = (rule: TLintRuleId, line: number | undefined, message: string) => void;

const PHASE_SET: ReadonlySet<string> = new Set(PHASES);
const HOST_PHASES: ReadonlySet<string> = new Set(
  PHASES.filter((p: TPhase) => !CHROOT_PHASES.has(p)),
);
// dib-run-parts' default RUN_PARTS_REGEX.
const RUN_PARTS_NAME = /^[0-9A-Za-z_-]+$/;
// `NN-name`: data files in phase dirs are fine, but not ones named like hooks.
const HOOK_LIKE_NAME = /^[0-9]+-[0-9A-Za-z_-]+$/;
// Phase dirs whose package-installs hooks read `package-installs-<element>` lists.
const LEGACY_LIST_PHASES: ReadonlySet<string> = new Set([
  "pre-install.d",
  "install.d",
  "post-install.d",
]);
const DOC_EXT = new Set([".rst", ".md"]);
const YAML_EXT = new Set([".yaml", ".yml"]);
// Where a line that runs sudo on the host still visibly aims at the image.
const SAFE_SUDO = /TARGET_ROOT|IMAGE_BLOCK_DEVICE|TMP_MOUNT_PATH|TMP_IMAGE_PATH|install-packages/;
const BAD_INDENT = /^(?: {4})* {1,3}[^ ]/;
const TAB_INDENT = /^ *\t/;

/**
 * Run the per-file rules over `f`, calling `report` for each finding that no
 * disable comment switches off. Returns the file's directives so cross-file
 * rules can honour them too.
 */
export function checkElementFile(f: ElementFile, rawReport: ReportFn): LintDirectives {
  const parts = f.rel.split("/");
  const base = parts[parts.length - 1] ?? f.rel;
  const ext = path.extname(base);
  const isExec = (f.mode & 0o111) !== 0;
  const inEnvDir = parts.slice(0, -1).includes("environment.d");
  const binary = f.content.subarray(0, 8000).includes(0);
  const text = binary ? "" : f.content.toString("utf8");
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const directives = parseLintDirectives(lines);
  const report: ReportFn = (rule, line, message) => {
    if (!isDisabled(directives, rule, line)) rawReport(rule, line, message);
  };
  for (const u of directives.unknown) {
    report("lint-directive", u.line, `unknown rule '${u.name}' in disable comment`);
  }

  if (inEnvDir && isExec) {
    report("env-not-executable", undefined, "environment.d file is executable; it is sourced");
  }
  if (parts.length === 2 && PHASE_SET.has(parts[0] ?? "")) {
    if (isExec && !RUN_PARTS_NAME.test(base)) {
      report("hook-not-run", undefined, `dib-run-parts will not run '${base}' (name has a dot)`);
    } else if (!isExec && HOOK_LIKE_NAME.test(base) && !text.startsWith("#!")) {
      // (with a #! line, the `executable` rule already reports it)
      report("hook-not-run", undefined, `'${base}' is named like a hook but is not executable`);
    }
  }
  if (parts.length === 2 && LEGACY_LIST_PHASES.has(parts[0] ?? "")) {
    if (base.startsWith("package-installs-")) {
      report(
        "legacy-package-list",
        undefined,
        `'${f.rel}' is a deprecated package list; declare its packages in package-installs.yaml ` +
          `with \`phase: ${parts[0]}\` ('-' entries are \`build-only\`)`,
      );
    }
  }
  if (binary) return directives;

  const firstLine = lines[0] ?? "";
  const shebang = firstLine.startsWith("#!");
  const python = shebang && /python/.test(firstLine);
  const bash = shebang && /^#!.*bash/.test(firstLine);
  const script = shebang && !python;
  const isDoc = DOC_EXT.has(ext);

  if (shebang && !isExec) report("executable", 1, "has a #! line but is not executable");
  if (bash && firstLine !== "#!/bin/bash") {
    report("shebang", 1, `use exactly #!/bin/bash, not ${JSON.stringify(firstLine)}`);
  }
  if (bash) checkSetFlags(lines, report);
  if (script) {
    reportLines(lines, BAD_INDENT, "indent", "not indented by a multiple of 4 spaces", report);
  }
  if (isExec || isDoc || shebang) {
    reportLines(lines, TAB_INDENT, "tabs", "indented with a tab", report);
  }
  const needsNewline = isExec || isDoc || shebang || base.includes("source-repository-");
  if (needsNewline && f.content.length > 0 && f.content[f.content.length - 1] !== 0x0a) {
    report("final-newline", lines.length, "no newline at end of file");
  }
  if (base === "element-deps" || base === "element-provides") checkNameList(base, lines, report);
  if (YAML_EXT.has(ext)) checkYaml(text, report);
  if (base === "pkg-map" && !isExec) checkJson(text, report);
  if (inEnvDir) checkEnvXtrace(lines, report);

  const proseOrData = isDoc || YAML_EXT.has(ext) || ext === ".py" || python;
  const shellLike = script || inEnvDir;
  const hostPhase = HOST_PHASES.has(parts[0] ?? "") && parts.length > 1;
  for (const { line, text: logical } of joinContinuations(lines)) {
    const code = stripComment(logical);
    if (code === "") continue;
    if (!proseOrData && isExportSubshell(code)) {
      report("export-subshell", line, "split `export X=$(…)` into `X=$(…)` and `export X`");
    }
    if (shellLike && /(?:^|[^\w.-])which\s/.test(code)) {
      report("which", line, "`which` may be missing in the image; use `command -v`");
    }
    if (hostPhase && !proseOrData && /(?:^|[^\w-])sudo\s/.test(code) && !SAFE_SUDO.test(code)) {
      report("safe-sudo", line, `sudo in ${parts[0]} runs on the build host; target the image`);
    }
  }
  return directives;
}

/**
 * Join backslash-continued lines, as `read` does (dib-lint reads scripts with
 * `while read LINE`), so a `sudo … \` whose `$TARGET_ROOT` sits on a later line
 * is seen whole. Each logical line keeps its first line number.
 */
function joinContinuations(lines: readonly string[]): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let start = 0;
  let acc: string | undefined;
  lines.forEach((raw, i) => {
    const l = raw.replace(/\r$/, "");
    if (acc === undefined) start = i + 1;
    const joined = acc === undefined ? l : `${acc} ${l}`;
    if (l.endsWith("\\")) {
      acc = joined.slice(0, -1);
    } else {
      out.push({ line: start, text: joined });
      acc = undefined;
    }
  });
  if (acc !== undefined) out.push({ line: start, text: acc });
  return out;
}

/** One finding per file at the first matching line, with a count. */
function reportLines(
  lines: readonly string[],
  re: RegExp,
  rule: TLintRuleId,
  what: string,
  report: ReportFn,
): void {
  const hits: number[] = [];
  lines.forEach((l, i) => {
    if (re.test(l)) hits.push(i + 1);
  });
  const first = hits[0];
  if (first === undefined) return;
  const more = hits.length > 1 ? ` (and ${hits.length - 1} more lines)` : "";
  report(rule, first, `${what}${more}`);
}

/**
 * dib-lint requires the `set` lines to start the line (a `set -e` inside an
 * `if` is not enough). Kiln also accepts `set -o errexit` / `set -euo pipefail`.
 */
function checkSetFlags(lines: readonly string[], report: ReportFn): void {
  const seen = new Set<string>();
  for (const l of lines) {
    if (!/^set\s/.test(l)) continue;
    for (const segment of stripComment(l).split(";")) {
      const m = /^\s*set\s+(.*)$/.exec(segment);
      if (m) for (const flag of parseSetArgs(m[1] ?? "")) seen.add(flag);
    }
  }
  if (!seen.has("e")) report("set-e", 1, "bash script does not `set -e` at top level");
  if (!seen.has("u")) report("set-u", 1, "bash script does not `set -u` at top level");
  if (!seen.has("pipefail")) report("pipefail", 1, "bash script does not `set -o pipefail`");
  if (!lines.some((l) => l.includes("DIB_DEBUG_TRACE"))) {
    report("debug-trace", 1, "bash script has no `DIB_DEBUG_TRACE` check to enable `set -x`");
  }
}

const LONG_OPTS: Record<string, string> = {
  errexit: "e",
  nounset: "u",
  xtrace: "x",
  pipefail: "pipefail",
};

/** Flags a `set` command turns on: `e`, `u`, `x`, `pipefail`, … */
export function parseSetArgs(args: string): Set<string> {
  const on = new Set<string>();
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] ?? "";
    const m = /^([-+])([A-Za-z]+)$/.exec(tok);
    if (!m) break; // `--`, positional args or something we cannot read
    const enabling = m[1] === "-";
    for (const ch of m[2] ?? "") {
      const flag = ch === "o" ? LONG_OPTS[tokens[++i] ?? ""] : ch;
      if (flag && enabling) on.add(flag);
      else if (flag) on.delete(flag);
    }
  }
  return on;
}

function checkNameList(base: string, lines: readonly string[], report: ReportFn): void {
  const names: { name: string; line: number }[] = [];
  lines.forEach((l, i) => {
    const name = l.trim();
    if (name.startsWith("#")) {
      report("deps-comment", i + 1, `${base} has no comments; '${name}' is read as an element`);
    } else if (name !== "") {
      names.push({ name, line: i + 1 });
    }
  });
  if (base !== "element-deps") return;
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1];
    const cur = names[i];
    if (prev && cur && cur.name < prev.name) {
      report(
        "sorted-deps",
        cur.line,
        `element-deps not sorted: '${cur.name}' after '${prev.name}'`,
      );
      return;
    }
  }
}

function checkYaml(text: string, report: ReportFn): void {
  for (const doc of parseAllDocuments(text)) {
    const err = doc.errors[0];
    if (err) {
      report("yaml", err.linePos?.[0].line, `not valid YAML: ${firstLine(err)}`);
      return;
    }
  }
}

function checkJson(text: string, report: ReportFn): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec(firstLine(err));
    const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : undefined;
    report("pkg-map-json", line, `pkg-map is not valid JSON: ${firstLine(err)}`);
  }
}

function checkEnvXtrace(lines: readonly string[], report: ReportFn): void {
  lines.forEach((raw, i) => {
    const code = stripComment(raw);
    for (const m of code.matchAll(/(?:^|[;&|]|\bthen|\bdo|\belse)\s*set\s+([^;&|]*)/g)) {
      if (parseSetArgs(m[1] ?? "").has("x")) {
        report("env-no-xtrace", i + 1, "environment.d file turns on tracing (`set -x`)");
        return;
      }
    }
  });
}

/**
 * `export` at command position whose value contains a command substitution
 * (`$(…)` or backticks); `$((…))` arithmetic cannot fail and is allowed.
 */
function isExportSubshell(code: string): boolean {
  return /(?:^|[;&|(]|\bthen|\bdo|\belse)\s*export\s+[^;]*?(?:\$\((?!\()|`)/.test(code);
}

/** Drop a whole-line comment or a trailing ` # …` comment. */
function stripComment(line: string): string {
  const t = line.replace(/\r$/, "");
  if (/^\s*#/.test(t)) return "";
  const hash = t.search(/\s#/);
  return hash === -1 ? t : t.slice(0, hash);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0] ?? msg;
}
