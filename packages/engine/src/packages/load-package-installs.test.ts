import path from "node:path";
import { describe, expect, it } from "vitest";
import { ElementFileError } from "../errors.ts";
import { loadPackageInstalls } from "./load-package-installs.ts";
import { createFileElements } from "../testing/element-tree.ts";
import { recordingLogger } from "../testing/recording-logger.ts";

function load(files: Record<string, string>, logger = recordingLogger()) {
  const { refs: elements } = createFileElements({ e: files });
  return loadPackageInstalls({ elementDir: elements[0]!.path, logger });
}

function loadError(files: Record<string, string>): ElementFileError {
  try {
    load(files);
  } catch (e) {
    expect(e).toBeInstanceOf(ElementFileError);
    return e as ElementFileError;
  }
  throw new Error("expected an ElementFileError");
}

describe("loadPackageInstalls", () => {
  it("reads json before yaml, both when present", () => {
    const files = load({
      "package-installs.yaml": "from-yaml:\n",
      "package-installs.json": '{"from-json": null}',
    });
    expect(files.map((f) => path.basename(f.file))).toEqual([
      "package-installs.json",
      "package-installs.yaml",
    ]);
    expect(files.map((f) => f.packages[0]?.name)).toEqual(["from-json", "from-yaml"]);
  });

  it("returns nothing for an element without files", () => {
    expect(load({ README: "x" })).toEqual([]);
  });

  it("accepts YAML in the .json file and JSON in the .yaml file, as DIB does", () => {
    const files = load({
      "package-installs.json": "vim:\n  phase: pre-install.d\n",
      "package-installs.yaml": '{"gcc": {"uninstall": true}}',
    });
    expect(files[0]?.packages[0]).toMatchObject({
      name: "vim",
      rules: [{ phase: "pre-install.d" }],
    });
    expect(files[1]?.packages[0]).toMatchObject({ name: "gcc", rules: [{ uninstall: true }] });
  });

  it("normalises empty, mapping and list specs into rules", () => {
    const [file] = load({
      "package-installs.yaml": [
        "a:",
        "b: ''",
        "c: {}",
        "d: []",
        "e:",
        "  phase: post-install.d",
        "f:",
        "  - phase: pre-install.d",
        "  - uninstall: true",
      ].join("\n"),
    });
    const plain = { phase: "install.d", uninstall: false, buildOnly: false };
    expect(file?.packages).toEqual([
      { name: "a", rules: [plain] },
      { name: "b", rules: [plain] },
      { name: "c", rules: [plain] },
      { name: "d", rules: [plain] },
      { name: "e", rules: [{ ...plain, phase: "post-install.d" }] },
      {
        name: "f",
        rules: [
          { ...plain, phase: "pre-install.d" },
          { ...plain, uninstall: true },
        ],
      },
    ]);
  });

  it("keeps file order even for numeric package names", () => {
    const [json, yaml] = load({
      "package-installs.json": '{"zz": null, "7": null, "a": null}',
      "package-installs.yaml": "zz:\n7:\na:\n",
    });
    expect(json?.packages.map((p) => p.name)).toEqual(["zz", "7", "a"]);
    expect(yaml?.packages.map((p) => p.name)).toEqual(["zz", "7", "a"]);
  });

  it("reads every rule key", () => {
    const [file] = load({
      "package-installs.yaml": [
        "p:",
        "  phase: pre-install.d",
        "  build-only: true",
        "  installtype: package",
        "  arch: amd64, arm64",
        "  dib_python_version: 3",
        "  when:",
        "    - DIB_A = x",
        "    - DIB_B != y",
      ].join("\n"),
    });
    expect(file?.packages[0]?.rules[0]).toEqual({
      phase: "pre-install.d",
      uninstall: false,
      buildOnly: true,
      installtype: "package",
      arch: ["amd64", "arm64"],
      dibPythonVersion: "3",
      when: [
        { variable: "DIB_A", op: "=", value: "x", source: "DIB_A = x" },
        { variable: "DIB_B", op: "!=", value: "y", source: "DIB_B != y" },
      ],
    });
  });

  it("Kiln fix: uninstall: false and build-only: false mean false; a bare key means true", () => {
    const [file] = load({
      "package-installs.yaml": "a:\n  uninstall: false\nb:\n  build-only: no\nc:\n  uninstall:\n",
    });
    const rules = file?.packages.map((p) => p.rules[0]);
    expect(rules?.map((r) => [r?.uninstall, r?.buildOnly])).toEqual([
      [false, false],
      [false, false],
      [true, false],
    ]);
  });

  it("treats null installtype/arch/when as absent and an empty python version as none", () => {
    const [file] = load({
      "package-installs.yaml": "a:\n  arch:\n  installtype:\n  when:\n  dib_python_version: ''\n",
    });
    expect(file?.packages[0]?.rules[0]).toEqual({
      phase: "install.d",
      uninstall: false,
      buildOnly: false,
    });
  });

  it("warns about unknown keys and unused phases, naming file and package", () => {
    const logger = recordingLogger();
    const [file] = load({ "package-installs.yaml": "vim:\n  fase: x\n  phase: build.d\n" }, logger);
    expect(logger.lines).toEqual([
      `warn: ${file?.file}: package 'vim': unknown key 'fase' ignored`,
      `warn: ${file?.file}: package 'vim': phase 'build.d' has no package-installs hook`,
    ]);
  });

  it("reads an empty file as no packages", () => {
    expect(load({ "package-installs.yaml": "" })[0]?.packages).toEqual([]);
  });

  const bad: [string, string, RegExp][] = [
    [
      "when of the wrong type",
      "x:\n  when: 3\n",
      /package 'x': 'when' must be a string or list of strings$/,
    ],
    [
      "when list item",
      "x:\n  when: [A=1, 2]\n",
      /package 'x': 'when' must be a string or list of strings$/,
    ],
    ["phase null", "x:\n  phase:\n", /package 'x': 'phase' must be a string$/],
    [
      "uninstall string",
      "x:\n  uninstall: maybe\n",
      /package 'x': 'uninstall' must be true or false$/,
    ],
    [
      "build-only number",
      "x:\n  build-only: 2\n",
      /package 'x': 'build-only' must be true or false$/,
    ],
    ["empty arch", "x:\n  arch: ''\n", /package 'x': 'arch' must be a comma-separated list/],
    ["not-arch list", "x:\n  not-arch: [a]\n", /package 'x': 'not-arch' must be a comma-separated/],
    [
      "python version list",
      "x:\n  dib_python_version: [3]\n",
      /'dib_python_version' must be a string or a number$/,
    ],
    [
      "arch and not-arch",
      "x:\n  arch: a\n  not-arch: b\n",
      /package 'x': 'arch' and 'not-arch' are both given$/,
    ],
    ["malformed when", "x:\n  when: nonsense\n", /package 'x': malformed 'when' line: <nonsense>$/],
    [
      "spec is a string",
      "x: yes-please\n",
      /package 'x': rules must be empty, a mapping or a list of mappings$/,
    ],
    ["spec is false", "x: false\n", /package 'x': rules must be empty/],
    [
      "rule is a string",
      "x:\n  - phase: install.d\n  - oops\n",
      /package 'x' rule 2: each rule must be a mapping$/,
    ],
    ["top level is a list", "- a\n- b\n", /top level must be a mapping of package names/],
  ];
  it.each(bad)("rejects %s with the file and the package named", (_name, text, message) => {
    const err = loadError({ "package-installs.yaml": text });
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(err.file + ": ")).toBe(true);
    expect(err.file).toMatch(/package-installs\.yaml$/);
  });

  it("reports malformed YAML with the file and line", () => {
    const err = loadError({ "package-installs.yaml": "a:\n  phase: install.d\n b: [\n" });
    expect(err.message).toMatch(
      /package-installs\.yaml: line \d+, column \d+: invalid JSON\/YAML: /,
    );
  });

  it("reports a broken .json file (not YAML either) with its line", () => {
    const err = loadError({ "package-installs.json": '{\n  "a": null,\n  "b": [\n}' });
    expect(err.message).toMatch(/package-installs\.json: line 4, column \d+: /);
  });
});
