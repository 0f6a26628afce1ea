import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeMountField, listMountsUnder, parseProcMounts, type MountEntry } from "./mounts.ts";
import { makeTempDir } from "../../testing/host-fixtures.ts";

const m = (target: string): MountEntry => ({
  source: "x",
  target,
  fstype: "tmpfs",
  options: ["rw"],
});

describe("parseProcMounts", () => {
  it("decodes octal escapes of space, tab, newline and backslash", () => {
    const text =
      "tmpfs /tmp/a\\040b\\011c tmpfs rw,relatime 0 0\n" +
      "/dev/loop1p1 /tmp/x\\012y\\134z ext4 ro 0 0\n\n";
    expect(parseProcMounts(text)).toEqual([
      { source: "tmpfs", target: "/tmp/a b\tc", fstype: "tmpfs", options: ["rw", "relatime"] },
      { source: "/dev/loop1p1", target: "/tmp/x\ny\\z", fstype: "ext4", options: ["ro"] },
    ]);
    expect(decodeMountField("plain")).toBe("plain");
  });
});

describe("listMountsUnder", () => {
  it("keeps only mounts beneath the dir (not a sibling sharing its prefix), deepest first", () => {
    const dir = makeTempDir();
    try {
      const mounts = [
        m(dir),
        m(`${dir}/mnt`),
        m(`${dir}/mnt/proc`),
        m(`${dir}x/mnt`),
        m(`${dir}/mnt/dev`),
        m(`${dir}/mnt/dev/pts`),
        m("/proc"),
      ];
      expect(listMountsUnder(dir, { mounts }).map((e) => e.target)).toEqual([
        `${dir}/mnt/dev/pts`,
        `${dir}/mnt/dev`,
        `${dir}/mnt/proc`,
        `${dir}/mnt`,
      ]);
      expect(listMountsUnder(dir, { mounts, includeSelf: true }).at(-1)?.target).toBe(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("resolves symlinks in the dir, as the kernel reports real paths", () => {
    const dir = makeTempDir();
    try {
      fs.mkdirSync(path.join(dir, "real"));
      fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
      const mounts = [m(`${dir}/real/mnt`)];
      expect(listMountsUnder(path.join(dir, "link"), { mounts })).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
