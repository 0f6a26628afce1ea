import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintElements } from "./lint-elements.ts";
import { executable, makeFileTree } from "../testing/element-tree.ts";
import { findingsOf, GOOD_BASH } from "../testing/lint-findings.ts";
import { isDisabled, parseLintDirectives } from "./parse-lint-directives.ts";

describe("parseLintDirectives", () => {
  it("reads dib-lint's space-separated names as file-wide disables", () => {
    const d = parseLintDirectives(["#!/bin/bash", "# dib-lint: disable=sete setu setpipefail"]);
    expect([...d.fileDisabled].sort()).toEqual(["pipefail", "set-e", "set-u"]);
    expect(d.unknown).toEqual([]);
  });
  it("reads kiln-lint's comma-separated ids and ignores the reason after --", () => {
    const d = parseLintDirectives(["# kiln-lint: disable=which,indent -- vendored script"]);
    expect([...d.fileDisabled].sort()).toEqual(["indent", "which"]);
  });
  it("makes a trailing comment a line-level disable", () => {
    const d = parseLintDirectives(["echo", "which ls  # kiln-lint: disable=which"]);
    expect(d.fileDisabled.size).toBe(0);
    expect(isDisabled(d, "which", 2)).toBe(true);
    expect(isDisabled(d, "which", 1)).toBe(false);
  });
  it("reads dib-lint's line markers", () => {
    const d = parseLintDirectives(["sudo x # dib-lint: safe_sudo"]);
    expect(isDisabled(d, "safe-sudo", 1)).toBe(true);
    expect(d.fileDisabled.size).toBe(0);
  });
  it("reports unknown names and accepts dib-lint-only names silently", () => {
    const d = parseLintDirectives(["# dib-lint: disable=set mddocs"]);
    expect(d.unknown).toEqual([{ line: 1, name: "set" }]);
    expect(d.fileDisabled.size).toBe(0);
  });
  it("expands the set-eu alias", () => {
    const d = parseLintDirectives(["# kiln-lint: disable=set-eu"]);
    expect([...d.fileDisabled].sort()).toEqual(["set-e", "set-u"]);
  });
  it("ignores text that only mentions dib-lint", () => {
    const d = parseLintDirectives(["# dib-lint indent requirements clash with pep8"]);
    expect(d.fileDisabled.size + d.lineDisabled.size + d.unknown.length).toBe(0);
  });
});

describe("disable comments in element files", () => {
  const bare = "#!/bin/bash\necho hi\n";
  it("switch rules off for the whole file, anywhere in it", () => {
    const root = makeFileTree({
      "e/README.rst": "e\n",
      "e/install.d/10-a": executable(bare + "# dib-lint: disable=sete setu\n"),
      "e/install.d/10-b": executable(bare),
    });
    const e = path.join(root, "e");
    expect(findingsOf([e], "set-e").map((f) => path.basename(f.file))).toEqual(["10-b"]);
    expect(findingsOf([e], "set-u").map((f) => path.basename(f.file))).toEqual(["10-b"]);
    expect(findingsOf([e], "pipefail")).toHaveLength(2);
  });
  it("switch a line-scoped rule off on their own line only", () => {
    const text = `${GOOD_BASH}which a # kiln-lint: disable=which\nwhich b\n`;
    const root = makeFileTree({ "e/README.rst": "e\n", "e/install.d/10-a": executable(text) });
    expect(findingsOf([path.join(root, "e")], "which").map((f) => f.line)).toEqual([11]);
  });
  it("turn unknown names into a lint-directive warning", () => {
    const text = `${GOOD_BASH}# kiln-lint: disable=no-such-rule\n`;
    const root = makeFileTree({ "e/README.rst": "e\n", "e/install.d/10-a": executable(text) });
    expect(lintElements({ dirs: [path.join(root, "e")] })).toEqual([
      expect.objectContaining({ rule: "lint-directive", severity: "warning", line: 10 }),
    ]);
  });
});
