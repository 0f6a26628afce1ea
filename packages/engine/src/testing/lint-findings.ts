/** Test support for the lint rules: a hook that passes them all, and one rule's findings. */
import { lintElements } from "../lint/lint-elements.ts";
import type { TLintFinding } from "../lint/lint-rules.ts";

/** A bash hook that passes every rule. */
export const GOOD_BASH = [
  "#!/bin/bash",
  "",
  'if [ "${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then',
  "    set -x",
  "fi",
  "set -eu",
  "set -o pipefail",
  "",
  'echo "hello"',
  "",
].join("\n");

/** Lint `dirs` and keep the findings of one rule. */
export function findingsOf(dirs: string[], rule: string): TLintFinding[] {
  return lintElements({ dirs }).filter((finding) => finding.rule === rule);
}
