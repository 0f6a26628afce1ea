/**
 * `kiln elements lint [DIR...]`: DIB's element lint rules (see
 * packages/engine/src/lint/lint-rules.ts). Prints one gcc-style line per
 * finding so editors can jump to it, then a summary; exits 1 on any error.
 */
import path from "node:path";
import type { Command } from "commander";
import { lintElementsReport } from "@kiln/engine/lint/lint-elements";
import { LINT_RULES, type TLintFinding } from "@kiln/engine/lint/lint-rules";

export interface ElementsLintDeps {
  /**
   * `$ELEMENTS_PATH` as parsed by the CLI's env.ts: its entries are the
   * default DIRs. When unset or empty, the current directory is linted.
   */
  elementsPath?: string | undefined;
  /** Directory paths are shown relative to; defaults to `process.cwd()`. */
  cwd?: string;
  /** Where output goes; defaults to stdout. */
  write?: (text: string) => void;
}

interface LintFlags {
  json?: boolean;
  ignore?: string[];
  listRules?: boolean;
}

export function registerElementsLintCommand(
  elementsCommand: Command,
  deps: ElementsLintDeps = {},
): void {
  elementsCommand
    .command("lint")
    .description("check elements against DIB's lint rules (exit 1 on errors)")
    .argument("[dir...]", "elements directories or element directories (default: $ELEMENTS_PATH)")
    .option("--json", "print findings as JSON")
    .option(
      "--ignore <rules>",
      "comma-separated rule ids (or dib-lint names) to skip",
      (value: string, prev: string[] = []) => [...prev, ...value.split(",").filter(Boolean)],
    )
    .option("--list-rules", "print the rule table and exit")
    .addHelpText(
      "after",
      "\nDisable rules in a file with a comment line `# kiln-lint: disable=<id>[,<id>]`\n" +
        "(or dib-lint's `# dib-lint: disable=<name> [<name>]`); the same comment at the end\n" +
        "of a code line disables the rules on that line only.",
    )
    .action((dirs: string[], flags: LintFlags) => {
      const write = deps.write ?? ((text: string) => void process.stdout.write(text));
      const cwd = deps.cwd ?? process.cwd();
      if (flags.listRules) {
        for (const r of LINT_RULES) {
          const dib = r.dibName ? ` (dib-lint: ${r.dibName})` : "";
          write(`${r.id.padEnd(18)} ${r.severity.padEnd(7)} ${r.reason}${dib}\n`);
        }
        return;
      }
      const targets = dirs.length > 0 ? dirs : defaultDirs(deps.elementsPath, cwd);
      const report = lintElementsReport({
        dirs: targets.map((d) => path.resolve(cwd, d)),
        ignore: flags.ignore ?? [],
      });
      const errors = report.findings.filter((f) => f.severity === "error").length;
      const warnings = report.findings.length - errors;
      if (flags.json) {
        const out = {
          elements: report.elements.length,
          errors,
          warnings,
          findings: report.findings,
        };
        write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const f of report.findings) write(`${formatFinding(f, cwd)}\n`);
        write(
          `${count(errors, "error")}, ${count(warnings, "warning")} in ` +
            `${count(report.elements.length, "element")}\n`,
        );
      }
      if (errors > 0) process.exitCode = 1;
    });
}

/** `path:line: severity: [rule] message`, the path relative to `cwd` when inside it. */
export function formatFinding(f: TLintFinding, cwd: string): string {
  const rel = path.relative(cwd, f.file);
  const shown = rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? f.file : rel;
  const where = f.line !== undefined ? `${shown}:${f.line}` : shown;
  return `${where}: ${f.severity}: [${f.rule}] ${f.message}`;
}

function defaultDirs(elementsPath: string | undefined, cwd: string): string[] {
  const entries = (elementsPath ?? "").split(":").filter((e) => e !== "");
  return entries.length > 0 ? entries : [cwd];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
