import { describe, expect, it } from "vitest";
import { ElementFileError } from "../errors.ts";
import { formatSquashed } from "./format-squashed.ts";
import { createFileElements } from "../testing/element-tree.ts";
import { recordingLogger } from "../testing/recording-logger.ts";
import { PackageInstallsError } from "./package-errors.ts";
import { squashPackageInstalls, type TSquashed } from "./squash-package-installs.ts";

type Env = Record<string, string | undefined>;

/** Squash a tree of `{ element: package-installs.yaml text }`, elements in key order. */
function squash(tree: Record<string, string>, env: Env = { ARCH: "amd64" }): TSquashed {
  const files = Object.fromEntries(
    Object.entries(tree).map(([name, yaml]) => [name, { "package-installs.yaml": yaml }]),
  );
  return squashPackageInstalls({ elements: createFileElements(files).refs, env });
}

describe("squashPackageInstalls: lists and key order", () => {
  it("a plain rule creates uninstall before install, printed as DIB does", () => {
    expect(formatSquashed(squash({ e: "vim:\n" }))).toBe(
      '{\n "install.d": {\n  "uninstall": [],\n  "install": [\n   [\n    "vim",\n    "e"\n   ]\n  ]\n }\n}',
    );
  });

  it("an uninstall rule first in a phase creates install (empty) before uninstall", () => {
    const s = squash({ e: "nm:\n  uninstall: true\n" });
    expect(Object.keys(s["install.d"]!)).toEqual(["install", "uninstall"]);
    expect(s).toEqual({ "install.d": { install: [], uninstall: [["nm", "e"]] } });
  });

  it("build-only installs and uninstalls", () => {
    expect(squash({ e: "gcc:\n  build-only: true\n" })).toEqual({
      "install.d": { install: [["gcc", "e"]], uninstall: [["gcc", "e"]] },
    });
  });

  it("keeps element order, file order (json then yaml) and rule order, per phase", () => {
    const { refs: elements } = createFileElements({
      b: { "package-installs.yaml": "y1:\n", "package-installs.json": '{"j1": null}' },
      a: { "package-installs.yaml": "p:\n  - phase: pre-install.d\n  - {}\nq:\n" },
    });
    const s = squashPackageInstalls({ elements, env: {} });
    expect(Object.keys(s)).toEqual(["install.d", "pre-install.d"]);
    expect(s["install.d"]?.install).toEqual([
      ["j1", "b"],
      ["y1", "b"],
      ["p", "a"],
      ["q", "a"],
    ]);
    expect(s["pre-install.d"]?.install).toEqual([["p", "a"]]);
  });

  it("an empty element list gives {}", () => {
    expect(formatSquashed(squashPackageInstalls({ elements: [], env: {} }))).toBe("{}");
  });
});

describe("squashPackageInstalls: install/uninstall interplay (spec 4.2)", () => {
  it("drops an uninstall of a package someone installs for good", () => {
    expect(squash({ a: "vim:\n", b: "vim:\n  uninstall: true\n" })["install.d"]).toEqual({
      uninstall: [],
      install: [["vim", "a"]],
    });
  });

  it("build-only of a package installed for good only adds an install", () => {
    expect(squash({ a: "gcc:\n", b: "gcc:\n  build-only: true\n" })["install.d"]).toEqual({
      uninstall: [],
      install: [
        ["gcc", "a"],
        ["gcc", "b"],
      ],
    });
  });

  it("a later plain rule cancels an earlier uninstall", () => {
    expect(squash({ a: "gcc:\n  build-only: true\n", b: "gcc:\n" })["install.d"]).toEqual({
      install: [
        ["gcc", "a"],
        ["gcc", "b"],
      ],
      uninstall: [],
    });
  });

  it("QUIRK kept: the cancel happens even when the plain rule is filtered out", () => {
    const s = squash({ a: "gcc:\n  build-only: true\n", b: "gcc:\n  arch: ppc64\n" });
    expect(s["install.d"]).toEqual({ install: [["gcc", "a"]], uninstall: [] });
  });

  it("QUIRK kept: a filtered-out plain rule still creates its phase with an empty uninstall", () => {
    const s = squash({ a: "x:\n  phase: post-install.d\n  arch: s390x\n" });
    expect(formatSquashed(s)).toBe('{\n "post-install.d": {\n  "uninstall": []\n }\n}');
  });

  it("uninstall of a package both installed and already uninstalled is added again", () => {
    const s = squash({ a: "gcc:\n  build-only: true\n", b: "gcc:\n  uninstall: true\n" });
    expect(s["install.d"]?.uninstall).toEqual([
      ["gcc", "a"],
      ["gcc", "b"],
    ]);
  });

  it("phases do not interact", () => {
    const s = squash({ a: "vim:\n  phase: pre-install.d\n", b: "vim:\n  uninstall: true\n" });
    expect(s["install.d"]).toEqual({ install: [], uninstall: [["vim", "b"]] });
  });

  it("Kiln fix: uninstall: false and build-only: false are plain installs", () => {
    const s = squash({ e: "a:\n  uninstall: false\nb:\n  build-only: false\n" });
    expect(s["install.d"]).toEqual({
      uninstall: [],
      install: [
        ["a", "e"],
        ["b", "e"],
      ],
    });
  });
});

describe("squashPackageInstalls: filters", () => {
  const typed = "src:\n  installtype: source\npkg:\n  installtype: package\n";
  const installs = (s: TSquashed) => s["install.d"]?.install?.map(([p]) => p);

  it("installtype defaults to source", () => {
    expect(installs(squash({ "my-el": typed }, {}))).toEqual(["src"]);
  });

  it("DIB_DEFAULT_INSTALLTYPE, overridden per element with - read as _", () => {
    expect(installs(squash({ "my-el": typed }, { DIB_DEFAULT_INSTALLTYPE: "package" }))).toEqual([
      "pkg",
    ]);
    const env = { DIB_DEFAULT_INSTALLTYPE: "package", DIB_INSTALLTYPE_my_el: "source" };
    expect(installs(squash({ "my-el": typed }, env))).toEqual(["src"]);
  });

  const arches = "a:\n  arch: amd64\nb:\n  arch: 'ppc64, arm64'\nc:\n  not-arch: amd64\n";
  it("arch and not-arch against $ARCH", () => {
    expect(installs(squash({ e: arches }, { ARCH: "amd64" }))).toEqual(["a"]);
    expect(installs(squash({ e: arches }, { ARCH: "s390x" }))).toEqual(["c"]);
  });

  it("Kiln fix: arch list items are trimmed ('ppc64, arm64' matches arm64)", () => {
    expect(installs(squash({ e: arches }, { ARCH: "arm64" }))).toEqual(["b", "c"]);
  });

  it("an arch rule with ARCH unset is an error naming file and package", () => {
    expect(() => squash({ e: "plain:\nb:\n  not-arch: amd64\n" }, {})).toThrow(
      /package-installs\.yaml: package 'b': ARCH is not set/,
    );
    expect(() => squash({ e: "b:\n  not-arch: amd64\n" }, {})).toThrow(PackageInstallsError);
  });

  it("arch and not-arch together is an error naming the package", () => {
    expect(() => squash({ e: "z:\n  arch: a\n  not-arch: b\n" })).toThrow(ElementFileError);
    expect(() => squash({ e: "z:\n  arch: a\n  not-arch: b\n" })).toThrow(/package 'z'/);
  });

  it("dib_python_version must equal $DIB_PYTHON_VERSION (unset: such rules are skipped)", () => {
    const t = "p2:\n  dib_python_version: 2\np3:\n  dib_python_version: '3'\nany:\n";
    expect(installs(squash({ e: t }, { DIB_PYTHON_VERSION: "3" }))).toEqual(["p3", "any"]);
    expect(installs(squash({ e: t }, {}))).toEqual(["any"]);
  });

  it("when: = and != against the environment, lists are AND", () => {
    const t = [
      "eq:\n  when: DIB_K = v",
      "ne:\n  when: DIB_K != v",
      "both:\n  when:\n    - DIB_K = v\n    - DIB_J=w",
      "tight:\n  when: DIB_K=v",
    ].join("\n");
    expect(installs(squash({ e: t }, { DIB_K: "v", DIB_J: "w" }))).toEqual(["eq", "both", "tight"]);
    expect(installs(squash({ e: t }, { DIB_K: "u", DIB_J: "w" }))).toEqual(["ne"]);
    expect(installs(squash({ e: t }, { DIB_K: "v", DIB_J: "x" }))).toEqual(["eq", "tight"]);
  });

  it("when: DIB's regex semantics for odd values", () => {
    const t = 'empty:\n  when: "DIB_K = "\ndouble:\n  when: DIB_K==\n';
    expect(installs(squash({ e: t }, { DIB_K: "" }))).toEqual(["empty"]);
    expect(installs(squash({ e: t }, { DIB_K: "=" }))).toEqual(["double"]);
  });

  it("when: an unset variable is an error naming it", () => {
    expect(() => squash({ e: "x:\n  when: DIB_NOPE = 1\n" }, {})).toThrow(
      /package 'x': 'when' variable DIB_NOPE is not set/,
    );
  });

  it("filters run in DIB's order: an earlier failing filter hides a later unset variable", () => {
    const t = "x:\n  arch: s390x\n  when: DIB_NOPE = 1\n";
    expect(squash({ e: t }, { ARCH: "amd64" })).toEqual({ "install.d": { uninstall: [] } });
  });

  it("logs each file it squashes and why rules are skipped", () => {
    const logger = recordingLogger();
    const { refs: elements } = createFileElements({
      e: { "package-installs.yaml": "a:\n  arch: x\n" },
    });
    squashPackageInstalls({ elements, env: { ARCH: "amd64" }, logger });
    expect(logger.lines).toEqual([
      `info: Squashing install file: ${elements[0]!.path}/package-installs.yaml`,
      "debug: e/a: skipped due to arch",
    ]);
  });
});
