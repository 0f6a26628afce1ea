import fs from "node:fs";
import path from "node:path";
import type { BuildPlan, PlannedFile } from "../plan/plan-build.ts";
import { findTool, type HostHookRef } from "./host/preflight.ts";

/**
 * Kiln's own shell libraries for diskimage-builder elements (`$_LIB`):
 * `die`, `common-defaults`, `common-functions`, `img-defaults`,
 * `img-functions`, `dib-run-parts`, and `shims/` (a root-only `sudo`).
 * They live beside the engine's sources so every way of running the engine
 * (CLI, agent, tests) finds them without a build step.
 */
export const KILN_LIB_DIR = path.resolve(import.meta.dirname, "..", "..", "lib");

/** Name of the library copy inside the hooks tree (`$TMP_HOOKS_PATH/kiln-lib`). */
export const HOOKS_LIB_NAME = "kiln-lib";

/** `_LIB` in chroot phases: the hooks tree's copy, bind-mounted with the hooks. */
export const IN_TARGET_LIB = `/tmp/in_target.d/${HOOKS_LIB_NAME}`;

/**
 * Copy the libraries into a hooks tree: `dib-run-parts` at its root (where
 * DIB puts it, so `/tmp/in_target.d/dib-run-parts` exists in chroot phases)
 * and the whole library under `kiln-lib/`, so `source "$_LIB/img-functions"`
 * works inside the image too.
 */
export function installRuntimeLib(hooksPath: string, libDir = KILN_LIB_DIR): void {
  fs.mkdirSync(hooksPath, { recursive: true });
  fs.cpSync(libDir, path.join(hooksPath, HOOKS_LIB_NAME), { recursive: true });
  const runParts = path.join(hooksPath, "dib-run-parts");
  fs.copyFileSync(path.join(libDir, "dib-run-parts"), runParts);
  fs.chmodSync(runParts, 0o755);
}

/**
 * `die` as bash imports an exported function from the environment
 * (`BASH_FUNC_die%%`), taken from the library file so there is one definition.
 */
export function dieFunctionBody(libDir = KILN_LIB_DIR): string {
  const text = fs.readFileSync(path.join(libDir, "die"), "utf8");
  const m = /^die\(\) (\{[\s\S]*?\n\})/m.exec(text);
  if (!m) throw new Error(`${path.join(libDir, "die")}: no die() function found`);
  return `() ${m[1]}`;
}

/**
 * The Python that host hooks run DIB's Python tools with (`DIB_PYTHON_EXEC`).
 * The caller's value wins. DIB sets it to the interpreter DIB itself runs
 * under, and its elements' tools import DIB's package, so for an element
 * tree inside an installed DIB (`<prefix>/lib/python3.X/site-packages/
 * diskimage_builder/elements`, or dist-packages) it is `<prefix>/bin/python3`.
 * Otherwise `python3` on the build's PATH (what `#!/usr/bin/env python3`
 * finds), else `/usr/bin/python3`.
 */
export function resolvePythonExec(
  env: Record<string, string | undefined>,
  elementsPath: string[] = [],
): string {
  if (env.DIB_PYTHON_EXEC) return env.DIB_PYTHON_EXEC;
  for (const entry of elementsPath) {
    const m =
      /^(.*)\/lib\/python3[^/]*\/(?:site|dist)-packages\/diskimage_builder\/elements\/?$/.exec(
        path.resolve(entry),
      );
    const python = m ? path.join(m[1] || "/", "bin", "python3") : undefined;
    if (python && fs.existsSync(python)) return python;
  }
  return findTool("python3", env.PATH || undefined) ?? "/usr/bin/python3";
}

/**
 * PYTHONPATH for host hooks. A DIB source checkout on the elements path
 * (`<root>/diskimage_builder/elements`) has tools that import DIB's package
 * (package-installs-squash does), which only an installed DIB makes
 * importable; running DIB from a checkout puts `<root>` on the import path,
 * so Kiln does too: each such `<root>` in path order, then the caller's own
 * value. Trees inside site-/dist-packages are already importable by their
 * interpreter (see `resolvePythonExec`) and are left out. Undefined when
 * nothing is added.
 */
export function checkoutPythonPath(
  elementsPath: readonly string[],
  existing: string | undefined,
): string | undefined {
  const kept = (existing ?? "").split(":").filter((entry) => entry !== "");
  const roots: string[] = [];
  for (const entry of elementsPath) {
    if (entry === "") continue;
    const m = /^(.*)\/diskimage_builder\/elements\/?$/.exec(path.resolve(entry));
    const root = m ? m[1] || "/" : undefined;
    if (!root || /\/(?:site|dist)-packages$/.test(root)) continue;
    if (!roots.includes(root) && !kept.includes(root)) roots.push(root);
  }
  return roots.length === 0 ? undefined : [...roots, ...kept].join(":");
}

/**
 * What pre-flight needs to check the build's host-side Python hooks
 * (`checkPythonHooks` in host/preflight.ts): the interpreter hooks will get
 * as DIB_PYTHON_EXEC, every hook of every phase, and, when Kiln adds a DIB
 * checkout to PYTHONPATH, the caller's environment with that PYTHONPATH.
 */
export function pythonHookCheck(
  plan: Pick<BuildPlan, "phases">,
  env: Record<string, string | undefined>,
  elementsPath: string[],
): { python: string; hooks: HostHookRef[]; env?: Record<string, string> } {
  const hooks = (Object.entries(plan.phases) as [string, PlannedFile[]][]).flatMap(
    ([phase, files]) =>
      files.map((f) => ({ phase, element: f.element, name: f.name, path: f.path })),
  );
  const python = resolvePythonExec(env, elementsPath);
  const pythonPath = checkoutPythonPath(elementsPath, env.PYTHONPATH);
  if (pythonPath === undefined) return { python, hooks };
  const defined = Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined);
  return { python, hooks, env: { ...Object.fromEntries(defined), PYTHONPATH: pythonPath } };
}
