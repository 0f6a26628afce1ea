/**
 * Runs DIB's real `dib-lint` and Kiln's linter over the same broken tree and
 * checks they flag the same files for the same reasons.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintElements } from "./lint-elements.ts";
import { executable, makeFileTree } from "../testing/element-tree.ts";
import { GOOD_BASH } from "../testing/lint-findings.ts";
import { firstReason, hasTool, skipNote } from "../testing/host-capabilities.ts";

// dib-lint runs `python` from PATH, which the engine's host PATH may lack (a pyenv shim).
const python = spawnSync("python", ["-c", "import configparser, json"]).status === 0;
const DIB_LINT = "/usr/bin/dib-lint";
const why = firstReason(hasTool("dib-lint"), python ? null : "dib-lint needs `python` on PATH");

// dib-lint message → Kiln rule id.
const MESSAGES: [RegExp, string][] = [
  [/lacks a README\.rst/, "readme"],
  [/should not set tracing/, "env-no-xtrace"],
  [/should not be marked as executable/, "env-not-executable"],
  [/potentially unsafe sudo/, "safe-sudo"],
  [/Split export and assignments/, "export-subshell"],
  [/is not executable/, "executable"],
  [/only use #!\/bin\/bash/, "shebang"],
  [/should use 4 spaces indent/, "indent"],
  [/potential use of which/, "which"],
  [/is not set -e/, "set-e"],
  [/is not set -u/, "set-u"],
  [/is not set -o pipefail/, "pipefail"],
  [/does not follow DIB_DEBUG_TRACE/, "debug-trace"],
  [/No newline at end of file/, "final-newline"],
  [/contains tab characters/, "tabs"],
  [/is not a valid JSON file/, "pkg-map-json"],
];

const exec = executable;
const withBody = (body: string) => `${GOOD_BASH}${body}\n`;

describe("parity with DIB's dib-lint", () => {
  it.skipIf(why)(
    `flags the same files for the same rules${skipNote(why)}`,
    () => {
      // dib-lint aborts on an unsorted element-deps (its `diff -y` trips set -e),
      // so element-deps stays sorted here; sorted-deps is covered elsewhere.
      const root = makeFileTree({
        "elements/a/README.rst": "a\n",
        "elements/a/element-deps": "aa\nzz\n",
        "elements/a/install.d/10-good": exec(GOOD_BASH),
        "elements/a/install.d/11-noset": exec("#!/bin/bash\necho\n"),
        "elements/a/install.d/12-indent": exec(withBody("  echo bad")),
        "elements/a/install.d/13-tab": exec(withBody("\techo tab")),
        "elements/a/install.d/14-nonl": exec(`${GOOD_BASH}echo x`),
        "elements/a/install.d/15-export": exec(withBody("export X=$(date)")),
        "elements/a/install.d/16-which": exec(withBody("if which ls; then :; fi")),
        "elements/a/install.d/17-notexec": GOOD_BASH,
        "elements/a/install.d/18-envbash": exec(
          GOOD_BASH.replace("/bin/bash", "/usr/bin/env bash"),
        ),
        "elements/a/install.d/19-disabled": exec("#!/bin/bash\n# dib-lint: disable=sete setu\n"),
        "elements/a/root.d/10-sudo": exec(withBody("sudo rm -rf /x")),
        "elements/a/root.d/11-sudo-ok": exec(withBody('sudo rm -rf "$TARGET_ROOT/x"')),
        "elements/a/environment.d/10-x": exec("export A=1\nset -x\n"),
        "elements/a/pkg-map": "{ nope\n",
        "elements/b/install.d/20-other": exec(GOOD_BASH),
      });
      const run = spawnSync("bash", [DIB_LINT], {
        cwd: root,
        env: { ...process.env, ELEMENTS_DIR: "elements", LIB_DIR: path.join(root, "no-lib") },
        encoding: "utf8",
      });
      const dib = new Set<string>();
      for (const line of run.stdout.split("\n")) {
        if (!line.startsWith("ERROR:")) continue;
        const rule = MESSAGES.find(([re]) => re.test(line))?.[1] ?? `unmapped: ${line}`;
        const file = /(elements\/[^\s:]+)/.exec(line)?.[1] ?? "?";
        dib.add(`${rule} ${file}`);
      }
      const dibRules = new Set(MESSAGES.map(([, r]) => r));
      const elements = path.join(fs.realpathSync(root), "elements");
      const kiln = new Set(
        lintElements({ dirs: [elements] })
          .filter((f) => dibRules.has(f.rule))
          .map((f) => `${f.rule} elements/${path.relative(elements, f.file)}`),
      );
      expect(run.status).toBe(1);
      expect([...kiln].sort()).toEqual([...dib].sort());
      expect(kiln.size).toBeGreaterThan(12);
      // dib-lint runs a python and a shellcheck per file: 20 s alone, longer beside other tests.
    },
    120_000,
  );
});
