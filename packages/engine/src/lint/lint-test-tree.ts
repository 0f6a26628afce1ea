/**
 * Test helper (not used by the engine): write an element tree into a fresh
 * temp dir. Keys are `/`-separated paths; values are file text (mode 0644),
 * `{ text, exec: true }` for mode 0755, `{ symlink }` or `{ dir: true }`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { lintElements } from "./lint-elements.ts";
import type { TLintFinding } from "./lint-rules.ts";

export type TTreeEntry =
  string | { text: string; exec?: boolean } | { symlink: string } | { dir: true };

export function makeTree(files: Record<string, TTreeEntry>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-lint-"));
  for (const [rel, entry] of Object.entries(files)) {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof entry === "string") {
      fs.writeFileSync(full, entry, { mode: 0o644 });
    } else if ("symlink" in entry) {
      fs.symlinkSync(entry.symlink, full);
    } else if ("dir" in entry) {
      fs.mkdirSync(full, { recursive: true });
    } else {
      fs.writeFileSync(full, entry.text);
      fs.chmodSync(full, entry.exec ? 0o755 : 0o644);
    }
  }
  return root;
}

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
  return lintElements({ dirs }).filter((f) => f.rule === rule);
}
