import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createElementTree, makeTempRoot } from "./element-tree.ts";

describe("createElementTree", () => {
  const root = makeTempRoot("kiln-tree-");
  afterAll(() => root.cleanup());

  it("writes deps, provides, executable hooks and env files", () => {
    const tree = createElementTree(
      {
        elements: {
          a: { deps: ["b", "c"], provides: ["v"], hooks: { "install.d": ["10-x"] }, env: ["10-e"] },
        },
      },
      { root: root.dir, name: "gen" },
    );
    const a = tree.elementPath("a");
    expect(fs.readFileSync(path.join(a, "element-deps"), "utf8")).toBe("b\nc\n");
    expect(fs.readFileSync(path.join(a, "element-provides"), "utf8")).toBe("v\n");
    expect(fs.statSync(path.join(a, "install.d/10-x")).mode & 0o111).toBe(0o111);
    expect(fs.statSync(path.join(a, "environment.d/10-e")).mode & 0o111).toBe(0);
  });
});
