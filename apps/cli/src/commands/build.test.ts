import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const KILN = path.resolve(import.meta.dirname, "..", "..", "bin", "kiln.js");

function kiln(args: string[]) {
  const r = spawnSync(process.execPath, [KILN, ...args], {
    encoding: "utf8",
    env: { ...process.env, ELEMENTS_PATH: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("kiln build flags", () => {
  it("a bad value is one line naming the flag, exit 2, before anything is planned", () => {
    expect(kiln(["build", "--dry-run", "--image-size", "abc", "no-such-element"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "kiln: --image-size: 'abc' is not a positive number\n",
    });
    expect(kiln(["build", "--dry-run", "-t", "zip", "no-such-element"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^kiln: -t\/--types: Invalid option: [^\n]*\n$/),
    });
  });

  it("--help lists the host-only flags and --json with the image flags", () => {
    const help = kiln(["build", "--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--output", "--min-tmpfs <GB>", "--image-cache", "--keep-on-failure"])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/--dry-run +resolve and print the plan; run nothing\n/);
    expect(help.stdout).toMatch(/--json +with --dry-run: print the plan as JSON\n/);
    expect(help.stdout).toMatch(/--log-format <format> +text \(default\) or json/);
  });
});
