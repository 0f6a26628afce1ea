import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempRoot, writeElements } from "../testing/element-tree.ts";
import { describeElement } from "./describe-element.ts";

let cleanup = () => {};
afterEach(() => cleanup());

describe("describeElement", () => {
  it("reads deps, provides, hooks, environment, bin, packages and README", () => {
    const t = makeTempRoot();
    cleanup = t.cleanup;
    const root = writeElements(t.dir, {
      el: {
        deps: ["b", "a"],
        provides: ["operating-system"],
        hooks: { "install.d": ["20-b", "10-a"], "root.d": ["50-r"], bin: ["tool"] },
        files: {
          "environment.d/10-x.bash": "export X=1\n",
          "README.md": "# el\n",
          "package-installs.yaml": "vim:\ngcc:\n  build-only: true\n  phase: pre-install.d\n",
          "block-device-default.yaml": "- local_loop: {name: image0}\n",
        },
      },
    });
    const d = describeElement({ name: "el", path: path.join(root, "el") });
    expect(d.deps).toEqual(["b", "a"]);
    expect(d.provides).toEqual(["operating-system"]);
    expect(d.hooks).toEqual({ "root.d": ["50-r"], "install.d": ["10-a", "20-b"] });
    expect(d.environment).toEqual(["10-x.bash"]);
    expect(d.bin).toEqual(["tool"]);
    expect(d.packages).toEqual([
      { name: "vim", phase: "install.d", action: "install" },
      { name: "gcc", phase: "pre-install.d", action: "build-only" },
    ]);
    expect(d.files.blockDevice).toEqual(["block-device-default.yaml"]);
    expect(d.readme).toEqual({ file: "README.md", text: "# el\n" });
  });
});
