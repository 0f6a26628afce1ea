/**
 * A DIB source checkout on ELEMENTS_PATH: host hooks get the checkout's
 * package root on PYTHONPATH, so DIB's tools that import `diskimage_builder`
 * find the checkout's copy, and pre-flight checks with that same path.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ElementRef } from "../elements/types.ts";
import { baseBuildEnv, phaseEnv } from "./build-env.ts";
import { findPythonProblems, type PythonProbe } from "./host/preflight.ts";
import { checkoutPythonPath, pythonHookCheck } from "./runtime-lib.ts";

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kiln-checkout-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * The layout of a diskimage-builder git checkout: the package directory at
 * `<root>/diskimage_builder` with the element tree inside it, and a module
 * that says which copy was imported.
 */
function makeCheckout(root: string): { root: string; elements: string } {
  const pkg = path.join(root, "diskimage_builder");
  const elements = path.join(pkg, "elements");
  fs.mkdirSync(path.join(elements, "hello", "extra-data.d"), { recursive: true });
  fs.writeFileSync(path.join(pkg, "__init__.py"), "");
  fs.writeFileSync(path.join(pkg, "where.py"), "COPY = 'checkout fixture'\n");
  fs.writeFileSync(path.join(elements, "hello", "README.rst"), "hello\n");
  fs.writeFileSync(
    path.join(elements, "hello", "extra-data.d", "10-hello"),
    '#!/bin/bash\n"$DIB_PYTHON_EXEC" -c "import diskimage_builder"\n',
    { mode: 0o755 },
  );
  return { root, elements };
}

const checkout = makeCheckout(path.join(tmp, "dib-src"));
const elements: ElementRef[] = [{ name: "hello", path: path.join(checkout.elements, "hello") }];

function base(userEnv: Record<string, string>) {
  return baseBuildEnv({
    userEnv: { PATH: "/usr/bin:/bin", ...userEnv },
    dirs: { buildDir: "/b", imageDir: "/i", hooksPath: "/b/hooks", mountPath: "/b/mnt" },
    elements,
    elementsPath: [path.join(tmp, "mine"), checkout.elements],
    imageName: "img",
    arch: "amd64",
    debugTrace: 0,
    imageCache: path.join(tmp, "cache"),
    args: ["hello"],
  });
}

describe("checkoutPythonPath", () => {
  it("adds <root> for <root>/diskimage_builder/elements, before the caller's value", () => {
    expect(checkoutPythonPath(["/src/dib/diskimage_builder/elements/"], undefined)).toBe(
      "/src/dib",
    );
    expect(checkoutPythonPath(["/els", "/src/dib/diskimage_builder/elements"], "/a:/b")).toBe(
      "/src/dib:/a:/b",
    );
  });

  it("adds nothing for other trees, installed DIB, or a root already there", () => {
    expect(checkoutPythonPath(["/els", "/src/dib/elements"], "/a")).toBeUndefined();
    const installed = "/usr/lib/python3/dist-packages/diskimage_builder/elements";
    expect(checkoutPythonPath([installed], undefined)).toBeUndefined();
    const venv = "/venv/lib/python3.12/site-packages/diskimage_builder/elements";
    expect(checkoutPythonPath([venv], undefined)).toBeUndefined();
    expect(checkoutPythonPath(["/src/dib/diskimage_builder/elements"], "/src/dib")).toBeUndefined();
  });
});

describe("a DIB checkout on ELEMENTS_PATH", () => {
  it("host hooks import the checkout's diskimage_builder; chroot hooks keep the caller's PYTHONPATH", () => {
    const env = base({ PYTHONPATH: "/opt/mine" });
    const host = phaseEnv(env, "extra-data.d", elements);
    expect(host.PYTHONPATH).toBe(`${checkout.root}:/opt/mine`);
    expect(phaseEnv(env, "install.d", elements).PYTHONPATH).toBe("/opt/mine");
    const run = spawnSync(
      host.DIB_PYTHON_EXEC as string,
      ["-c", "from diskimage_builder import where; print(where.COPY)"],
      { env: host, encoding: "utf8" },
    );
    expect(run.stdout + run.stderr).toBe("checkout fixture\n");
  });

  it("pre-flight probes the hooks' Python with that PYTHONPATH", () => {
    const hookPath = path.join(checkout.elements, "hello", "extra-data.d", "10-hello");
    const plan = {
      phases: { "extra-data.d": [{ element: "hello", name: "10-hello", path: hookPath }] },
    } as unknown as Parameters<typeof pythonHookCheck>[0];
    const check = pythonHookCheck(plan, { PATH: "/usr/bin:/bin" }, [checkout.elements]);
    expect(check.env?.PYTHONPATH).toBe(checkout.root);
    const seen: (string | undefined)[] = [];
    const probe: PythonProbe = (_python, _code, env) => {
      seen.push(env?.PYTHONPATH);
      return env?.PYTHONPATH === checkout.root;
    };
    expect(findPythonProblems({ ...check, probe })).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
  });
});
