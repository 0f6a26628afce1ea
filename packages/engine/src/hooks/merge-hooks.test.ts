import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DuplicateHookError } from "../errors.ts";
import { makeTempRoot, writeElements } from "../testing/element-tree.ts";
import { applyInstallTypes, mergeHooks } from "./merge-hooks.ts";

let cleanup = () => {};
afterEach(() => cleanup());

function refs(tree: Parameters<typeof writeElements>[1]) {
  const t = makeTempRoot();
  cleanup = t.cleanup;
  const root = writeElements(t.dir, tree);
  return Object.keys(tree).map((name) => ({ name, path: path.join(root, name) }));
}

describe("mergeHooks", () => {
  it("merges every sub-directory of every element", () => {
    const merged = mergeHooks(
      refs({
        a: { hooks: { "install.d": ["10-a"], bin: ["tool-a"] } },
        b: { hooks: { "install.d": ["20-b"], "root.d": ["10-root"] } },
      }),
    );
    expect([...merged.get("install.d")!.keys()].sort()).toEqual(["10-a", "20-b"]);
    expect(merged.get("install.d")!.get("20-b")!.element).toBe("b");
    expect([...merged.keys()].sort()).toEqual(["bin", "install.d", "root.d"]);
  });

  it("refuses a duplicated hook and names both elements", () => {
    const elements = refs({
      first: { hooks: { "install.d": ["10-same"] } },
      second: { hooks: { "install.d": ["10-same"] } },
    });
    expect(() => mergeHooks(elements)).toThrow(DuplicateHookError);
    expect(() => mergeHooks(elements)).toThrow(
      "There is a duplicated hook in your elements: install.d/10-same is in both 'first' and 'second'",
    );
  });

  it("merges same-named directories, skips tests/, __pycache__/ and dot-files", () => {
    const merged = mergeHooks(
      refs({
        a: { files: { "static/etc/a": "1", "tests/t": "x", "install.d/.hidden": "" } },
        b: { files: { "static/etc/b": "2", "__pycache__/x.pyc": "" } },
      }),
    );
    expect(merged.get("static")!.get("etc")!.isDir).toBe(true);
    expect(merged.has("tests")).toBe(false);
    expect(merged.has("__pycache__")).toBe(false);
    expect(merged.get("install.d")!.size).toBe(0);
  });
});

describe("applyInstallTypes", () => {
  const tree = {
    "install-types": {},
    app: {
      hooks: {
        "install.d/app-source-install": ["50-src"],
        "install.d/app-package-install": ["50-pkg"],
      },
    },
    lib: { hooks: { "install.d/lib-source-install": ["60-lib-src"] } },
  };

  it("links the default install type's hooks into install.d", () => {
    const merged = mergeHooks(refs(tree));
    applyInstallTypes(merged, {});
    const names = [...merged.get("install.d")!.keys()].filter((n) => !n.endsWith("-install"));
    expect(names.sort()).toEqual(["50-src", "60-lib-src"]);
  });

  it("honours DIB_INSTALLTYPE_<element> and DIB_DEFAULT_INSTALLTYPE", () => {
    const merged = mergeHooks(refs(tree));
    applyInstallTypes(merged, {
      DIB_INSTALLTYPE_app: "package",
      DIB_DEFAULT_INSTALLTYPE: "source",
    });
    const install = merged.get("install.d")!;
    expect(install.has("50-pkg")).toBe(true);
    expect(install.has("50-src")).toBe(false);
    expect(install.get("60-lib-src")!.element).toBe("lib");
    expect(fs.existsSync(install.get("50-pkg")!.source)).toBe(true);
  });
});
