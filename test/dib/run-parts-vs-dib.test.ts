// `kiln run-parts --list DIR` must print exactly what DIB's dib-run-parts prints.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dibRunPartsList } from "../support/dib-oracle.ts";
import { hasDib, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { makeTempRoot, writeHookDir, type HookEntry } from "@kiln/engine/testing/element-tree";
import { runKiln } from "../support/kiln-cli.ts";

const noDib = hasDib();
warnIfSkipped("differential tests against DIB", noDib);
const exec = (...names: string[]): HookEntry[] => names.map((name) => ({ name, kind: "exec" }));

const CASES: Record<string, HookEntry[]> = {
  "spec §2.4 example": exec(
    ..."-5-neg 00-q Z-up _u abc 01-z 1-w 9-x 10-a 10-a-1 10-b 10_a 100-y".split(" "),
  ),
  "dotted names are skipped": exec("10-a.sh", "20-b.bash", ".hidden", "30-c", "1.5-x", "40-d~"),
  "non-executable and directories": [
    ...exec("10-run"),
    { name: "20-plain", kind: "plain" },
    { name: "30-dir", kind: "dir" },
  ],
  symlinks: [
    ...exec("10-target"),
    { name: "20-link", kind: "symlink", target: "10-target" },
    { name: "30-broken", kind: "broken-symlink" },
    { name: "40-dirlink", kind: "symlink", target: "/tmp" },
    { name: "50-abs", kind: "symlink", target: "/bin/true" },
  ],
  "huge and odd numbers": exec(
    "99999999999999999999-x",
    "99999999999999999998-y",
    "100000000000000000000-z",
    "000000000000000000001-a",
    "-99999999999999999999-n",
    "-0-z",
    "-",
    "--x",
    "0-a",
    "00",
    "0",
  ),
  "leading plus, spaces, unicode": exec(
    "+5-plus",
    "5 space",
    " 7-lead",
    "é-x",
    "10-ok",
    "tab\tx",
    "Ω",
  ),
  "same key, byte tie-break": exec("10-b", "10-B", "10-_", "10--", "10-a", "10", "010-a", "10a"),
  "empty directory": [],
};

describe.skipIf(noDib)(`run-parts --list vs dib-run-parts${skipNote(noDib)}`, () => {
  const root = makeTempRoot("kiln-runparts-");
  afterAll(() => root.cleanup());

  it.each(Object.keys(CASES))("%s", async (label) => {
    const dir = writeHookDir(
      path.join(root.dir, label.replace(/[^a-z0-9]+/gi, "_")),
      CASES[label] ?? [],
    );
    const dib = dibRunPartsList(dir);
    const kiln = await runKiln(["run-parts", "--list", dir]);
    expect({ exit: kiln.exitCode, stdout: kiln.stdout }).toEqual({
      exit: dib.exitCode,
      stdout: dib.stdout,
    });
  });

  it("keeps the directory spelling (trailing slash, relative)", async () => {
    const dir = writeHookDir(path.join(root.dir, "spelling"), exec("10-a", "2-b"));
    for (const [arg, cwd] of [
      [dir + "/", "/"],
      ["spelling", root.dir],
      ["./spelling//", root.dir],
    ] as const) {
      const dib = dibRunPartsListIn(arg, cwd);
      const kiln = await runKiln(["run-parts", "--list", arg], { cwd });
      expect(kiln.stdout, arg).toBe(dib);
    }
  });

  it("fails like DIB on a missing directory", async () => {
    const missing = path.join(root.dir, "nope");
    const dib = dibRunPartsList(missing);
    const kiln = await runKiln(["run-parts", "--list", missing]);
    expect(dib.exitCode).not.toBe(0);
    expect(kiln.exitCode).not.toBe(0);
    expect(kiln.stdout).toBe("");
    expect(kiln.stderr).toContain(`Scripts directory [${missing}] must exist and be a directory`);
  });

  it("agrees on files with only some execute bits set", async () => {
    // Executable only by owner: as root everything with any x bit runs; as
    // another user only what we own. Both tools must agree either way.
    const dir = writeHookDir(path.join(root.dir, "modes"), exec("10-a"));
    for (const [name, mode] of [
      ["20-owner-x", 0o744],
      ["30-group-x", 0o654],
      ["40-other-x", 0o645],
    ] as const) {
      fs.writeFileSync(path.join(dir, name), "#!/bin/bash\nexit 0\n");
      fs.chmodSync(path.join(dir, name), mode);
    }
    const dib = dibRunPartsList(dir);
    const kiln = await runKiln(["run-parts", "--list", dir]);
    expect(kiln.stdout).toBe(dib.stdout);
  });
});

function dibRunPartsListIn(dirArg: string, cwd: string): string {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return dibRunPartsList(dirArg).stdout;
  } finally {
    process.chdir(before);
  }
}
