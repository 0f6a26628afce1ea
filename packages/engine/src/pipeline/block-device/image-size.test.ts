import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCommandRunner } from "../host/run-command.ts";
import { computeImageSize, measureTreeKiB } from "./image-size.ts";

describe("computeImageSize", () => {
  it("reproduces DIB's verified 42 MiB-tree build: 149760 KiB", () => {
    // 149760 = round64(int(t / 0.6) + 64 MiB journal) for a tree of 50 500 KiB.
    const r = computeImageSize({ treeKiB: 50_500, rootFsType: "ext4" });
    expect(r).toEqual({
      sizeKiB: 149_760,
      imageSizeParam: "149760KiB",
      mkfsOpts: "-i 4096 -J size=64 ",
      messages: [],
    });
  });

  it("uses DIB_IMAGE_EXTRA_SIZE (MiB) instead of the /0.6 headroom", () => {
    expect(computeImageSize({ treeKiB: 1000, extraSizeMiB: "10" }).sizeKiB).toBe(11_264);
    expect(computeImageSize({ treeKiB: 1000, extraSizeMiB: 0.5 }).sizeKiB).toBe(1536);
    // int(1000 / 0.6) = 1666, rounded up to a multiple of 64.
    expect(computeImageSize({ treeKiB: 1000 }).sizeKiB).toBe(1728);
  });

  it("takes --image-size in GB as is: no journal padding, but the EFI pad and rounding", () => {
    const r = computeImageSize({
      imageSizeGB: "2.5",
      rootFsType: "ext4",
      elements: ["vm", "block-device-efi-lvm"],
      journalSizeMiB: "128",
    });
    expect(r.sizeKiB).toBe(2.5 * 1024 * 1024 + 525 * 1024);
    expect(r.mkfsOpts).toBe("-i 4096 -J size=128 ");
    expect(r.messages).toEqual(["Expanding disk for EFI partition"]);
  });

  it("builds MKFS_OPTS in DIB's order around the user's options", () => {
    const r = computeImageSize({
      treeKiB: 100,
      rootFsType: "ext4",
      release: "trusty",
      mkfsOptions: "-m 1",
      maxOnlineResize: "1073741824",
    });
    expect(r.mkfsOpts).toBe("-E resize=1073741824 -O ^metadata_csum -i 4096 -J size=64 -m 1");
    expect(computeImageSize({ treeKiB: 100, rootFsType: "xfs", mkfsOptions: "-K" }).mkfsOpts).toBe(
      "-K",
    );
  });

  it("names a malformed variable", () => {
    expect(() => computeImageSize({ imageSizeGB: "big" })).toThrow(
      "DIB_IMAGE_SIZE: 'big' is not a non-negative number",
    );
    expect(() =>
      computeImageSize({ treeKiB: 1, rootFsType: "ext4", journalSizeMiB: "1.5" }),
    ).toThrow("DIB_JOURNAL_SIZE: '1.5' is not a whole number");
    expect(() => computeImageSize({})).toThrow(/neither DIB_IMAGE_SIZE nor the tree size/);
  });
});

describe("measureTreeKiB", () => {
  it("sums the tree in KiB like du, counting hard links once", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-du-"));
    try {
      fs.writeFileSync(path.join(dir, "a"), Buffer.alloc(100 * 1024, 1));
      fs.linkSync(path.join(dir, "a"), path.join(dir, "a-link"));
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "sub", "b"), Buffer.alloc(20 * 1024, 1));
      const kib = await measureTreeKiB(dir, createCommandRunner());
      // 120 KiB of data plus a few directory blocks; the hard link adds nothing.
      expect(kib).toBeGreaterThanOrEqual(120);
      expect(kib).toBeLessThan(200);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
