import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, writeElements } from "@kiln/engine/testing/element-tree";

const KILN = path.resolve(import.meta.dirname, "..", "bin", "kiln.js");

function kiln(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [KILN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ELEMENTS_PATH: "", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root = "";
let cleanup = () => {};
beforeAll(() => {
  const t = makeTempRoot();
  cleanup = t.cleanup;
  root = writeElements(path.join(t.dir, "el"), {
    os: { provides: ["operating-system"], hooks: { "root.d": ["10-root"] } },
    app: { deps: ["os", "lib"], hooks: { "install.d": ["20-app", "10-x"] } },
    lib: {},
    base: {},
    dup: { hooks: { "install.d": ["20-app"] } },
  });
});
afterAll(() => cleanup());

describe("kiln elements expand", () => {
  it("prints names, JSON and shell definitions", () => {
    expect(kiln(["elements", "expand", "--elements-path", root, "app"])).toMatchObject({
      code: 0,
      stdout: "app lib os\n",
    });
    const json = JSON.parse(
      kiln(["elements", "expand", "--elements-path", root, "--json", "app"]).stdout,
    );
    expect(json.elements).toContainEqual({ name: "lib", path: path.join(root, "lib") });
    const env = kiln(["elements", "expand", "--env", "app"], { ELEMENTS_PATH: root });
    expect(env.stdout).toContain("export IMAGE_ELEMENT='app lib os'");
  });

  it("fails with DIB's message and no stack trace", () => {
    const r = kiln(["elements", "expand", "--elements-path", root, "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("kiln: Element 'nope' not found\n");
    const unset = kiln(["elements", "expand", "app"]);
    expect(unset.stderr).toBe("kiln: $ELEMENTS_PATH must be set.\n");
    const noOs = kiln(["elements", "expand", "--elements-path", root, "lib"]);
    expect(noOs.stderr).toBe("kiln: Please include an operating system element\n");
  });

  it("names a malformed element file in one line", () => {
    const t = makeTempRoot();
    try {
      const bad = writeElements(t.dir, { os: { provides: ["operating-system"] } });
      fs.mkdirSync(path.join(bad, "os", "element-deps"));
      const r = kiln(["elements", "expand", "--elements-path", bad, "os"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `kiln: ${path.join(bad, "os", "element-deps")}: cannot read (EISDIR)\n`,
      );
    } finally {
      t.cleanup();
    }
  });
});

describe("kiln run-parts --list", () => {
  it("prints DIR/name in run order", () => {
    const dir = path.join(root, "app", "install.d");
    expect(kiln(["run-parts", "--list", dir]).stdout).toBe(`${dir}/10-x\n${dir}/20-app\n`);
  });
});

describe("kiln build --dry-run", () => {
  it("prints the plan as JSON with the built-ins last on the path", () => {
    const r = kiln(["build", "--dry-run", "--json", "app"], {
      ELEMENTS_PATH: root,
      KILN_BUILTIN_ELEMENTS: root,
    });
    expect(r.stderr).toBe("");
    const plan = JSON.parse(r.stdout);
    expect(plan.elements).toEqual(["base", "app", "lib", "os"]);
    expect(plan.phases["install.d"]).toEqual([
      { name: "10-x", element: "app" },
      { name: "20-app", element: "app" },
    ]);
  });

  it("names both elements of a duplicated hook", () => {
    const r = kiln(["build", "--dry-run", "-n", "app", "dup"], {
      ELEMENTS_PATH: root,
      KILN_BUILTIN_ELEMENTS: root,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("install.d/20-app is in both 'app' and 'dup'");
  });

  it("rejects bad flags as usage errors", () => {
    expect(kiln(["build", "--dry-run", "-t", "zip", "app"]).code).toBe(2);
    expect(kiln(["build", "--no-such-flag", "app"]).code).toBe(2);
    expect(kiln(["build", "--image-size", "-3", "app"]).code).toBe(2);
  });
});
