import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mergeHooks } from "../hooks/merge-hooks.ts";
import { writeHooksTree } from "./hooks-tree.ts";
import { KILN_LIB_DIR } from "./runtime-lib.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-hooks-tree-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(p: string, text: string, mode = 0o644) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text, { mode });
}

describe("writeHooksTree", () => {
  it("merges element dirs, copies top-level files, and adds DIB's in-target runtime", () => {
    const a = path.join(tmp, "els", "a");
    const b = path.join(tmp, "els", "b");
    file(path.join(a, "install.d", "10-a"), "#!/bin/sh\n", 0o755);
    file(path.join(b, "root.d", "10-b"), "#!/bin/sh\n", 0o755);
    file(path.join(a, "element-deps"), "b\n");
    // An element's stray top-level file must not replace Kiln's runner.
    file(path.join(b, "dib-run-parts"), "not a runner\n");
    const elements = [
      { name: "a", path: a },
      { name: "b", path: b },
    ];
    const hooks = path.join(tmp, "hooks");
    writeHooksTree(hooks, elements, mergeHooks(elements));
    expect(fs.statSync(path.join(hooks, "install.d", "10-a")).mode & 0o777).toBe(0o755);
    expect(fs.existsSync(path.join(hooks, "root.d", "10-b"))).toBe(true);
    expect(fs.readFileSync(path.join(hooks, "element-deps"), "utf8")).toBe("b\n");
    expect(fs.readFileSync(path.join(hooks, "dib-run-parts"), "utf8")).toBe(
      fs.readFileSync(path.join(KILN_LIB_DIR, "dib-run-parts"), "utf8"),
    );
    expect(fs.statSync(path.join(hooks, "dib-run-parts")).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(hooks, "kiln-lib", "img-functions"))).toBe(true);
  });
});
