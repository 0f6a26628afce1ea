/**
 * `lintElements`: DIB's element lint rules (dib-lint) over element trees.
 * Rules and their reasons live in `lint-rules.ts`; disable comments in
 * `parse-lint-directives.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { ElementFileError } from "../errors.ts";
import { errCode } from "../elements/read-names.ts";
import type { ElementRef } from "../elements/types.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { checkElementFile } from "./check-element-file.ts";
import { checkHookNames } from "./check-hook-names.ts";
import { findLintTargets } from "./find-lint-targets.ts";
import {
  getLintRule,
  LINT_RULE_IDS,
  resolveRuleName,
  type TLintFinding,
  type TLintRuleId,
} from "./lint-rules.ts";
import type { LintDirectives } from "./parse-lint-directives.ts";

export interface LintElementsOptions {
  /**
   * Directories to lint. Each is either a directory of elements (every
   * sub-directory is an element) or one element (it has `element-deps`,
   * `element-provides`, a `*.d` directory, … — see `classifyLintDir`).
   */
  dirs: string[];
  /**
   * Rule ids (or dib-lint names) to skip everywhere, like dib-lint's
   * `[dib-lint] ignore` in tox.ini. Unknown names throw a USAGE error.
   */
  ignore?: string[];
  logger?: Logger;
}

export interface TLintReport {
  /** Findings sorted by file, line, rule. */
  findings: TLintFinding[];
  /** Every element that was linted, in lint order. */
  elements: ElementRef[];
}

const SKIP_DIRS = new Set(["__pycache__", ".git"]);

/** Lint the elements under `dirs`; see `lintElementsReport`. */
export function lintElements(options: LintElementsOptions): TLintFinding[] {
  return lintElementsReport(options).findings;
}

/** Lint the elements under `dirs` and say which elements were looked at. */
export function lintElementsReport(options: LintElementsOptions): TLintReport {
  const logger = options.logger ?? silentLogger;
  const ignored = resolveIgnore(options.ignore ?? []);
  const elements = findLintTargets(options.dirs);
  const findings: TLintFinding[] = [];
  const add = (
    element: string,
    file: string,
    rule: TLintRuleId,
    line: number | undefined,
    message: string,
  ): void => {
    if (ignored.has(rule)) return;
    const finding: TLintFinding = {
      rule,
      severity: getLintRule(rule).severity,
      element,
      file,
      message,
    };
    if (line !== undefined) finding.line = line;
    findings.push(finding);
  };
  const directives = new Map<string, LintDirectives>();

  for (const element of elements) {
    logger.debug("linting element", { element: element.name, path: element.path });
    const top = fs.readdirSync(element.path);
    if (!top.some((n) => n === "README.rst" || n === "README.md" || n === "README")) {
      add(
        element.name,
        element.path,
        "readme",
        undefined,
        "element has no README.rst or README.md",
      );
    }
    for (const { file, rel, mode } of walkFiles(element.path)) {
      let content: Buffer;
      try {
        content = fs.readFileSync(file);
      } catch (err) {
        throw new ElementFileError(file, `cannot read (${errCode(err)})`, { cause: err });
      }
      const d = checkElementFile({ file, rel, mode, content }, (rule, line, message) =>
        add(element.name, file, rule, line, message),
      );
      directives.set(file, d);
    }
  }
  for (const f of checkHookNames(elements, (file) => directives.get(file))) {
    add(f.element, f.file, "unique-hook-names", undefined, f.message);
  }

  findings.sort(
    (a, b) => cmp(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || cmp(a.rule, b.rule),
  );
  const errors = findings.filter((f) => f.severity === "error").length;
  logger.info("element lint done", {
    elements: elements.length,
    errors,
    warnings: findings.length - errors,
  });
  return { findings, elements };
}

function resolveIgnore(names: readonly string[]): Set<TLintRuleId> {
  const out = new Set<TLintRuleId>();
  for (const name of names) {
    const ids = resolveRuleName(name);
    if (ids === undefined) {
      throw new KilnError(
        "USAGE",
        `unknown lint rule '${name}' (known: ${LINT_RULE_IDS.join(", ")})`,
      );
    }
    for (const id of ids) out.add(id);
  }
  return out;
}

interface WalkedFile {
  file: string;
  rel: string;
  mode: number;
}

/**
 * Regular files under an element, depth first in name order. Symlinks are not
 * followed (the target is linted where it lives), as dib-lint's `find -type f`.
 */
function walkFiles(root: string): WalkedFile[] {
  const out: WalkedFile[] = [];
  const visit = (dir: string, relDir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new ElementFileError(dir, `cannot read directory (${errCode(err)})`, { cause: err });
    }
    entries.sort((a, b) => cmp(a.name, b.name));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) visit(full, rel);
      } else if (e.isFile() && !e.name.endsWith(".pyc")) {
        out.push({ file: full, rel, mode: fs.lstatSync(full).mode });
      }
    }
  };
  visit(root, "");
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
