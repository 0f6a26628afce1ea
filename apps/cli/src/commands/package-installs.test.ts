import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { readCliEnv } from "../env.ts";
import type { CliContext } from "../context.ts";
import { registerPackageInstallsCommand } from "./package-installs.ts";

function elementTree(tree: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-cli-pi-"));
  for (const [name, yaml] of Object.entries(tree)) {
    fs.mkdirSync(path.join(root, name));
    fs.writeFileSync(path.join(root, name, "package-installs.yaml"), yaml);
  }
  return root;
}

async function run(args: string[], env: Record<string, string>): Promise<string> {
  let stdout = "";
  const context = (): CliContext => ({
    env: readCliEnv(env),
    logger: silentLogger,
    out: (t) => void (stdout += t),
  });
  const program = new Command().exitOverride();
  registerPackageInstallsCommand(program, context);
  await program.parseAsync(["package-installs", "squash", ...args], { from: "user" });
  return stdout;
}

const TREE = { a: "vim:\narm:\n  arch: arm64\n", b: "gcc:\n  build-only: true\n" };

describe("kiln package-installs squash", () => {
  it("prints DIB's JSON for the elements in the given order, from $ELEMENTS_PATH", async () => {
    const root = elementTree(TREE);
    const out = await run(["b", "a"], { ELEMENTS_PATH: root, ARCH: "amd64" });
    expect(JSON.parse(out)).toEqual({
      "install.d": {
        install: [
          ["gcc", "b"],
          ["vim", "a"],
        ],
        uninstall: [["gcc", "b"]],
      },
    });
    expect(out.startsWith('{\n "install.d": {\n  "install": [')).toBe(true);
    expect(out.endsWith("}\n")).toBe(true);
  });

  it("takes --elements-path over $ELEMENTS_PATH and splits a space-separated list", async () => {
    const root = elementTree(TREE);
    const out = await run(["--elements-path", root, "a b"], {
      ELEMENTS_PATH: "/nonexistent",
      ARCH: "arm64",
    });
    expect(JSON.parse(out)["install.d"].install).toEqual([
      ["vim", "a"],
      ["arm", "a"],
      ["gcc", "b"],
    ]);
  });

  it("-o writes DIB's exact bytes, without a trailing newline", async () => {
    const root = elementTree(TREE);
    const file = path.join(root, "out.json");
    expect(await run(["-o", file, "a"], { ELEMENTS_PATH: root, ARCH: "amd64" })).toBe("");
    const text = fs.readFileSync(file, "utf8");
    expect(text.endsWith("}")).toBe(true);
    expect(JSON.parse(text)["install.d"].install).toEqual([["vim", "a"]]);
  });

  it("reads DIB_* variables from the environment", async () => {
    const root = elementTree({ c: "p:\n  installtype: package\nq:\n  when: DIB_X = 1\n" });
    const out = await run(["c"], { ELEMENTS_PATH: root, DIB_INSTALLTYPE_c: "package", DIB_X: "1" });
    expect(JSON.parse(out)["install.d"].install).toEqual([
      ["p", "c"],
      ["q", "c"],
    ]);
  });

  it("an unknown element is an error naming it", async () => {
    const root = elementTree(TREE);
    await expect(run(["nope"], { ELEMENTS_PATH: root })).rejects.toThrow(/'nope' not found/);
  });

  it("ARCH missing when a rule needs it is a clear error", async () => {
    const root = elementTree(TREE);
    await expect(run(["a"], { ELEMENTS_PATH: root })).rejects.toThrow(
      /a\/package-installs\.yaml: package 'arm': ARCH is not set/,
    );
  });

  it("no elements path at all is an error", async () => {
    await expect(run(["a"], {})).rejects.toThrow(/ELEMENTS_PATH must be set/);
  });
});
