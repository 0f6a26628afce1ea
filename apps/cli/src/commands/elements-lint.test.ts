import path from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { executable, makeFileTree } from "@kiln/engine/testing/element-tree";
import { GOOD_BASH } from "@kiln/engine/testing/lint-findings";
import {
  formatFinding,
  registerElementsLintCommand,
  type ElementsLintDeps,
} from "./elements-lint.ts";

async function run(args: string[], deps: ElementsLintDeps = {}) {
  let out = "";
  const program = new Command().exitOverride();
  const elements = program.command("elements");
  registerElementsLintCommand(elements, { ...deps, write: (t) => void (out += t) });
  process.exitCode = undefined;
  await program.parseAsync(["elements", "lint", ...args], { from: "user" });
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { out, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("kiln elements lint", () => {
  it("exits 0 and prints the summary for a clean element", async () => {
    const root = makeFileTree({
      "e/README.rst": "e\n",
      "e/install.d/10-a": executable(GOOD_BASH),
    });
    const { out, code } = await run([path.join(root, "e")], { cwd: root });
    expect(code).toBe(0);
    expect(out).toBe("0 errors, 0 warnings in 1 element\n");
  });

  it("exits 1 on errors with gcc-style lines relative to cwd", async () => {
    const root = makeFileTree({
      "els/e/README.rst": "e\n",
      "els/e/install.d/10-a": "#!/bin/bash\nset -eu\nset -o pipefail\n",
    });
    const { out, code } = await run(["els"], { cwd: root });
    expect(code).toBe(1);
    const lines = out.trimEnd().split("\n");
    expect(lines).toContain(
      "els/e/install.d/10-a:1: error: [executable] has a #! line but is not executable",
    );
    expect(lines.at(-1)).toBe("2 errors, 0 warnings in 1 element");
  });

  it("exits 0 when there are only warnings", async () => {
    const root = makeFileTree({
      "e/README.rst": "e\n",
      "e/install.d/10-a.sh": executable(GOOD_BASH),
    });
    const { out, code } = await run([path.join(root, "e")], { cwd: root });
    expect(code).toBe(0);
    expect(out).toContain("e/install.d/10-a.sh: warning: [hook-not-run]");
    expect(out).toContain("0 errors, 1 warning in 1 element");
  });

  it("defaults to the $ELEMENTS_PATH entries, then to the cwd", async () => {
    const a = makeFileTree({ "x/element-deps": "" });
    const b = makeFileTree({ "y/README.rst": "y\n" });
    const viaPath = await run([], { elementsPath: `${a}::${b}`, cwd: "/" });
    expect(viaPath.out).toMatch(/\[readme\][^\n]*\n1 error, 0 warnings in 2 elements\n$/);
    const viaCwd = await run([], { elementsPath: "", cwd: b });
    expect(viaCwd.out).toBe("0 errors, 0 warnings in 1 element\n");
  });

  it("prints JSON with --json and honours --ignore", async () => {
    const root = makeFileTree({ "e/install.d/10-a": executable("#!/bin/bash\n") });
    const { out, code } = await run([
      root,
      "--json",
      "--ignore",
      "readme,sete",
      "--ignore",
      "setu",
    ]);
    const parsed = JSON.parse(out) as { errors: number; findings: { rule: string }[] };
    expect(parsed.findings.map((f) => f.rule).sort()).toEqual(["debug-trace", "pipefail"]);
    expect(parsed.errors).toBe(2);
    expect(code).toBe(1);
  });

  it("rejects a missing directory with a one-line error naming it", async () => {
    await expect(run(["/nonexistent/kiln-elements"])).rejects.toThrow(
      /lint: '\/nonexistent\/kiln-elements' does not exist/,
    );
  });

  it("lists the rule table", async () => {
    const { out, code } = await run(["--list-rules"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^set-e +error +.*\(dib-lint: sete\)$/m);
  });
});

describe("formatFinding", () => {
  it("uses an absolute path outside cwd and omits a missing line", () => {
    const f = {
      rule: "readme",
      severity: "error",
      element: "e",
      file: "/x/e",
      message: "m",
    } as const;
    expect(formatFinding(f, "/y")).toBe("/x/e: error: [readme] m");
    expect(formatFinding({ ...f, line: 3 }, "/x")).toBe("e:3: error: [readme] m");
  });
});
