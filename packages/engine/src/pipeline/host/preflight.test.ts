import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BASE_TOOLS,
  checkHost,
  countLoopDevices,
  findHostProblems,
  findTool,
  formatBytes,
  HostNotReadyError,
  TOOL_PACKAGES,
} from "./preflight.ts";
import { makeTempDir } from "../../testing/host-fixtures.ts";

const GiB = 1024 ** 3;

/** A fake /sys and /dev with `n` loop devices, the first `bound` of them attached. */
function fakeLoopTree(
  root: string,
  n: number,
  bound: number,
  opts: { control: boolean; maxLoop: number },
) {
  const sys = path.join(root, "sys");
  const dev = path.join(root, "dev");
  fs.mkdirSync(path.join(sys, "module/loop/parameters"), { recursive: true });
  fs.writeFileSync(path.join(sys, "module/loop/parameters/max_loop"), `${opts.maxLoop}\n`);
  fs.mkdirSync(dev, { recursive: true });
  for (let i = 0; i < n; i++) {
    fs.mkdirSync(path.join(sys, "block", `loop${i}`), { recursive: true });
    fs.writeFileSync(path.join(dev, `loop${i}`), "");
    if (i < bound) {
      fs.mkdirSync(path.join(sys, "block", `loop${i}`, "loop"));
      fs.writeFileSync(path.join(sys, "block", `loop${i}`, "loop", "backing_file"), "/x\n");
    }
  }
  fs.mkdirSync(path.join(sys, "block", "vda"), { recursive: true });
  if (opts.control) fs.writeFileSync(path.join(dev, "loop-control"), "");
  return { sysDir: sys, devDir: dev };
}

describe("preflight", () => {
  let tmp = "";
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = "";
  });

  it("lists every problem on its own line, with the Debian package of a missing tool", () => {
    tmp = makeTempDir();
    const loops = fakeLoopTree(tmp, 2, 2, { control: false, maxLoop: 0 });
    let err: unknown;
    try {
      checkHost({
        root: true,
        uid: 1000,
        tools: ["qemu-img", "kiln-nonesuch", "sh"],
        path: "/nonexistent:/usr/bin:/bin",
        loopDevices: 1,
        ...loops,
        space: [{ dir: path.join(tmp, "not/yet/made"), bytes: 2 ** 50 }],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostNotReadyError);
    const e = err as HostNotReadyError;
    expect(e.code).toBe("HOST");
    const hasQemu = findTool("qemu-img", "/nonexistent:/usr/bin:/bin") !== undefined;
    expect(e.problems).toEqual([
      "not running as root",
      ...(hasQemu ? [] : ["missing tool: qemu-img (apt-get install qemu-utils)"]),
      "missing tool: kiln-nonesuch",
      "no free loop device (/dev/loop-control missing; 0 of 2 free, 1 needed)",
      expect.stringMatching(
        new RegExp(
          `^not enough free space in ${tmp}/not/yet/made: [0-9.]+ [GM]iB free, 1048576 GiB needed$`,
        ),
      ),
    ]);
    expect(e.message.split("\n")).toEqual([
      "host is not ready for a build:",
      ...e.problems.map((p) => `  ${p}`),
    ]);
  });

  it("counts free loop devices, and trusts loop-control unless max_loop is reached", () => {
    tmp = makeTempDir();
    const a = fakeLoopTree(path.join(tmp, "a"), 8, 3, { control: true, maxLoop: 8 });
    expect(countLoopDevices(a.sysDir, a.devDir)).toEqual({
      total: 8,
      free: 5,
      control: true,
      canCreate: false,
    });
    expect(findHostProblems({ loopDevices: 5, ...a })).toEqual([]);
    expect(findHostProblems({ loopDevices: 6, ...a })).toEqual([
      "no free loop device (/dev/loop-control cannot create more; 5 of 8 free, 6 needed)",
    ]);
    const b = fakeLoopTree(path.join(tmp, "b"), 2, 2, { control: true, maxLoop: 0 });
    expect(findHostProblems({ loopDevices: 1, ...b })).toEqual([]);
  });

  it("formats sizes the way the messages promise", () => {
    expect(formatBytes(1.2 * GiB)).toBe("1.2 GiB");
    expect(formatBytes(4 * GiB)).toBe("4 GiB");
    expect(formatBytes(512 * 1024 ** 2)).toBe("512 MiB");
  });

  it("has a Debian package for every base tool", () => {
    for (const t of BASE_TOOLS) expect(TOOL_PACKAGES[t], t).toBeTruthy();
  });
});
