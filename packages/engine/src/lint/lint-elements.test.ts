import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KilnError } from "@kiln/contracts/errors";
import { classifyLintDir, findLintTargets, LintTargetError } from "./find-lint-targets.ts";
import { lintElements, lintElementsReport } from "./lint-elements.ts";
import { LINT_RULE_IDS, LINT_RULES, ZLintFinding } from "./lint-rules.ts";
import { executable, makeFileTree } from "../testing/element-tree.ts";
import { findingsOf, GOOD_BASH } from "../testing/lint-findings.ts";

const hook = executable(GOOD_BASH);

describe("rule table", () => {
  it("has one entry per id, each with a one-line reason", () => {
    expect(LINT_RULES.map((r) => r.id)).toEqual([...LINT_RULE_IDS]);
    for (const r of LINT_RULES) expect(r.reason).toMatch(/^[^\n]{10,100}$/);
  });
});

describe("lint targets", () => {
  it("treats a directory with element files or *.d dirs as one element", () => {
    const root = makeFileTree({ "a/element-deps": "x\n", "b/install.d/10-x": hook });
    expect(classifyLintDir(path.join(root, "a"))).toBe("element");
    expect(classifyLintDir(path.join(root, "b"))).toBe("element");
    expect(classifyLintDir(root)).toBe("elements");
  });
  it("treats a README-only dir as an element unless its sub-dirs look like elements", () => {
    const root = makeFileTree({
      "one/README.md": "x\n",
      "many/README.md": "x\n",
      "many/e/README.rst": "e\n",
    });
    expect(classifyLintDir(path.join(root, "one"))).toBe("element");
    expect(classifyLintDir(path.join(root, "many"))).toBe("elements");
  });
  it("does not mistake an element named pkg-map for a pkg-map file", () => {
    const root = makeFileTree({ "pkg-map/README.rst": "x\n", "pkg-map/bin/pkg-map": hook });
    expect(classifyLintDir(root)).toBe("elements");
  });
  it("lists elements once, skipping dot-dirs and __pycache__", () => {
    const root = makeFileTree({
      "b/README.rst": "b\n",
      "a/README.rst": "a\n",
      ".git/config": "x\n",
      "__pycache__/x.pyc": "x",
      "__init__.py": "",
    });
    const names = findLintTargets([root, path.join(root, "a")]).map((e) => e.name);
    expect(names).toEqual(["a", "b"]);
  });
  it("names a missing or non-directory target in one line", () => {
    const root = makeFileTree({ file: "x\n" });
    expect(() => findLintTargets([path.join(root, "nope")])).toThrow(LintTargetError);
    expect(() => findLintTargets([path.join(root, "file")])).toThrow(/'.*file' is not a directory/);
  });
});

describe("readme", () => {
  it("flags elements without a README and accepts .rst or .md", () => {
    const root = makeFileTree({
      "a/element-deps": "",
      "b/README.md": "b\n",
      "c/README.rst": "c\n",
    });
    expect(findingsOf([root], "readme")).toEqual([
      expect.objectContaining({ element: "a", file: fs.realpathSync(path.join(root, "a")) }),
    ]);
  });
});

describe("unique-hook-names", () => {
  it("names both elements when two ship the same hook", () => {
    const root = makeFileTree({
      "a/README.rst": "a\n",
      "a/install.d/10-x": hook,
      "b/README.rst": "b\n",
      "b/install.d/10-x": hook,
      "b/install.d/20-y": hook,
    });
    const found = findingsOf([root], "unique-hook-names");
    expect(found).toEqual([expect.objectContaining({ element: "b", severity: "error" })]);
    expect(found[0]?.message).toContain("install.d/10-x");
    expect(found[0]?.message).toContain("'a'");
  });
  it("compares across separate lint dirs", () => {
    const one = makeFileTree({ "a/README.rst": "a\n", "a/bin/tool": hook });
    const two = makeFileTree({ "b/README.rst": "b\n", "b/bin/tool": hook });
    expect(findingsOf([one, two], "unique-hook-names")).toHaveLength(1);
  });
  it("skips overrides, alternatives, tests/, sub-directories and disabled files", () => {
    const one = makeFileTree({ "a/README.rst": "a\n", "a/root.d/10-x": hook });
    const two = makeFileTree({
      "a/README.rst": "a\n",
      "a/root.d/10-x": hook,
      "os1/element-provides": "operating-system\n",
      "os1/root.d/50-base": hook,
      "os2/element-provides": "operating-system\n",
      "os2/root.d/50-base": hook,
      "t1/README.rst": "t\n",
      "t1/tests/run": "x\n",
      "t1/static/etc": { dir: true },
      "t2/README.rst": "t\n",
      "t2/tests/run": "x\n",
      "t2/static/etc": { dir: true },
      "d1/README.rst": "d\n",
      "d1/bin/x": executable(`${GOOD_BASH}# kiln-lint: disable=unique-hook-names\n`),
      "d2/README.rst": "d\n",
      "d2/bin/x": hook,
    });
    expect(findingsOf([one, two], "unique-hook-names")).toEqual([]);
  });
});

describe("lintElements", () => {
  it("returns findings that match the schema, sorted by file and line", () => {
    const root = makeFileTree({
      "e/README.rst": "e\n",
      "e/install.d/10-b": executable("#!/bin/bash\nwhich a\nwhich b\n"),
      "e/install.d/10-a": "#!/bin/sh\n",
    });
    const found = lintElements({ dirs: [root] });
    for (const f of found) expect(ZLintFinding.parse(f)).toEqual(f);
    const keys = found.map((f) => `${path.basename(f.file)}:${f.line ?? 0}:${f.rule}`);
    expect(keys).toEqual([...keys].sort((a, b) => a.localeCompare(b, "en", { numeric: true })));
    expect(keys[0]).toBe("10-a:1:executable");
  });
  it("drops ignored rules, by Kiln id or dib-lint name", () => {
    const root = makeFileTree({ "e/install.d/10-x": executable("#!/bin/bash\n") });
    const rules = (ignore: string[]) =>
      new Set(lintElements({ dirs: [root], ignore }).map((f) => f.rule));
    expect(rules([]).has("set-e")).toBe(true);
    const after = rules(["sete", "readme", "set-eu"]);
    expect([after.has("set-e"), after.has("set-u"), after.has("readme")]).toEqual([
      false,
      false,
      false,
    ]);
    expect(after.has("pipefail")).toBe(true);
  });
  it("rejects unknown ignore names with a USAGE error", () => {
    const root = makeFileTree({ "e/README.rst": "e\n" });
    try {
      lintElements({ dirs: [root], ignore: ["bogus"] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KilnError);
      expect((err as KilnError).code).toBe("USAGE");
      expect((err as Error).message).toContain("'bogus'");
    }
  });
  it("reports the elements it linted", () => {
    const root = makeFileTree({ "a/README.rst": "a\n", "b/README.rst": "b\n" });
    expect(lintElementsReport({ dirs: [root] }).elements.map((e) => e.name)).toEqual(["a", "b"]);
  });
});
