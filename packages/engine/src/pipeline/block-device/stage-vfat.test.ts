import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planBlockDevice } from "../../block-device/plan-block-device.ts";
import { silentLogger } from "@kiln/contracts/logger";
import { createCommandRunner, DEFAULT_HOST_ENV } from "../host/run-command.ts";
import {
  checkMtools,
  copyStagedToFat,
  findFatProblem,
  needsStaging,
  parseProcFilesystems,
  planStagedMounts,
  StagedMountNestingError,
} from "./stage-vfat.ts";
import { elementsDir } from "../../testing/block-device-fixtures.ts";
import { hasMtools, warnIfSkipped } from "../../testing/host-capabilities.ts";

// Shaped like the real file: "nodev" column, a tab, the name.
const WITH_VFAT = "nodev\tsysfs\nnodev\ttmpfs\n\text3\n\text4\n\tvfat\n\tmsdos\nnodev\tfuse\n";
const WITHOUT_VFAT = "nodev\tsysfs\nnodev\ttmpfs\n\text3\n\text4\nnodev\tfuse\n";
const MSDOS_ONLY = `${WITHOUT_VFAT}\tmsdos\n`;

const noMtools = hasMtools();
warnIfSkipped("mtools copy tests", noMtools);

const runner = createCommandRunner();
const tmps: string[] = [];
afterEach(() => {
  for (const d of tmps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmpdir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-stage-"));
  tmps.push(d);
  return d;
};
const mt = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, {
    encoding: "utf8",
    env: { ...DEFAULT_HOST_ENV, MTOOLS_SKIP_CHECK: "1" },
  });

function efiPlan(extra = "") {
  const config = fs.readFileSync(
    path.join(elementsDir, "block-device-efi", "block-device-default.yaml"),
    "utf8",
  );
  return planBlockDevice({
    config: config + extra,
    params: { imageSize: "1GiB", imageDir: "/nonexistent/i", mountBase: "/nonexistent/m" },
  });
}

describe("the staging decision", () => {
  it("reads the names out of /proc/filesystems", () => {
    expect([...parseProcFilesystems(WITH_VFAT)]).toEqual([
      "sysfs",
      "tmpfs",
      "ext3",
      "ext4",
      "vfat",
      "msdos",
      "fuse",
    ]);
  });

  it("mounts FAT normally where the kernel has vfat", () => {
    expect(needsStaging("vfat", WITH_VFAT)).toBe(false);
    expect(needsStaging("fat", WITH_VFAT)).toBe(false);
    expect(planStagedMounts(efiPlan().mountOrder, WITH_VFAT)).toEqual(new Set());
  });

  it("stages FAT, and only FAT, where the kernel has no vfat (msdos alone is not enough)", () => {
    expect(needsStaging("vfat", WITHOUT_VFAT)).toBe(true);
    expect(needsStaging("fat", WITHOUT_VFAT)).toBe(true);
    expect(needsStaging("vfat", MSDOS_ONLY)).toBe(true);
    expect(needsStaging("ext4", WITHOUT_VFAT)).toBe(false);
    expect(needsStaging("ext4", "")).toBe(false);
    expect(planStagedMounts(efiPlan().mountOrder, WITHOUT_VFAT)).toEqual(
      new Set(["mount_mkfs_ESP"]),
    );
  });

  it("refuses a real mount planned below a staged one, before touching the host", () => {
    const extra = `
- local_loop:
    name: image1
    size: 64MiB
- mkfs:
    name: fs_inner
    base: image1
    type: ext4
    mount:
      mount_point: /boot/efi/inner
`;
    const plan = efiPlan(extra);
    expect(() => planStagedMounts(plan.mountOrder, WITHOUT_VFAT)).toThrow(StagedMountNestingError);
    expect(() => planStagedMounts(plan.mountOrder, WITHOUT_VFAT)).toThrow(
      /^block-device config: mount point \/boot\/efi\/inner lies below \/boot\/efi, a FAT filesystem this kernel cannot mount/,
    );
    // With vfat in the kernel the same layout is fine.
    expect(planStagedMounts(plan.mountOrder, WITH_VFAT)).toEqual(new Set());
    // A FAT filesystem below a staged one is staged too, and allowed.
    const fatBelow = efiPlan(extra.replace("type: ext4", "type: vfat"));
    expect(planStagedMounts(fatBelow.mountOrder, WITHOUT_VFAT)).toEqual(
      new Set(["mount_mkfs_ESP", "mount_fs_inner"]),
    );
    // A sibling whose name merely starts the same is not below it.
    const sibling = efiPlan(extra.replace("/boot/efi/inner", "/boot/efiX"));
    expect(planStagedMounts(sibling.mountOrder, WITHOUT_VFAT)).toEqual(new Set(["mount_mkfs_ESP"]));
  });
});

describe("what FAT can hold", () => {
  const tree = (files: Record<string, string>) => {
    const d = tmpdir();
    for (const [rel, body] of Object.entries(files)) {
      const abs = path.join(d, rel);
      fs.mkdirSync(rel.endsWith("/") ? abs : path.dirname(abs), { recursive: true });
      if (!rel.endsWith("/")) fs.writeFileSync(abs, body);
    }
    return d;
  };

  it("accepts an ESP-like tree", () => {
    const d = tree({ "EFI/BOOT/BOOTX64.EFI": "x", "EFI/debian/grub.cfg": "y", "empty/": "" });
    expect(findFatProblem(d, "/boot/efi")).toBeUndefined();
  });

  it("names the first culprit with its image path", () => {
    const clash = tree({ "EFI/BOOT/grub.cfg": "a", "EFI/BOOT/GRUB.CFG": "b" });
    expect(findFatProblem(clash, "/boot/efi")).toBe(
      "/boot/efi/EFI/BOOT/grub.cfg and /boot/efi/EFI/BOOT/GRUB.CFG are the same name on FAT (case-insensitive)",
    );
    const link = tree({ "EFI/x": "" });
    fs.symlinkSync("x", path.join(link, "EFI/y"));
    expect(findFatProblem(link, "/boot/efi")).toBe(
      "/boot/efi/EFI/y is a symbolic link, which FAT cannot hold",
    );
    expect(findFatProblem(tree({ "a:b": "" }), "/boot/efi")).toMatch(
      /^\/boot\/efi\/a:b: FAT names/,
    );
    expect(findFatProblem(tree({ "é.txt": "" }), "/e")).toMatch(
      /^\/e\/é\.txt: FAT names are printable ASCII/,
    );
    expect(findFatProblem(tree({ "dot.": "" }), "/e")).toBe(
      "/e/dot.: a FAT name cannot end in a dot or a space",
    );
    const fifo = tree({ "d/": "" });
    execFileSync("mkfifo", [path.join(fifo, "d/p")]);
    expect(findFatProblem(fifo, "/e")).toBe(
      "/e/d/p is not a regular file or directory, which FAT cannot hold",
    );
  });
});

describe("copyStagedToFat into a FAT image file", () => {
  const fatImage = () => {
    const img = path.join(tmpdir(), "esp.img");
    fs.writeFileSync(img, "");
    fs.truncateSync(img, 34 * 1024 * 1024);
    execFileSync("mkfs.vfat", ["-n", "MKFS_ESP", img], { stdio: "ignore" });
    return img;
  };
  const copy = (dir: string, device: string) =>
    copyStagedToFat({
      dir,
      device,
      mountPoint: "/boot/efi",
      runner,
      env: DEFAULT_HOST_ENV,
      logger: silentLogger,
    });

  it.skipIf(noMtools)(
    "copies nested and empty dirs, odd names, content and mtimes (mtools)",
    async () => {
      const img = fatImage();
      const dir = tmpdir();
      const boot = Buffer.from([0x4d, 0x5a, 0, 1, 2, 0xff, 0x0a, 0x0d]);
      fs.mkdirSync(path.join(dir, "EFI/BOOT"), { recursive: true });
      fs.mkdirSync(path.join(dir, "EFI/debian"), { recursive: true });
      fs.mkdirSync(path.join(dir, "empty/inner"), { recursive: true });
      fs.writeFileSync(path.join(dir, "EFI/BOOT/BOOTX64.EFI"), boot);
      fs.writeFileSync(path.join(dir, "EFI/debian/grub.cfg"), "search --label cloudimg-rootfs\n");
      fs.writeFileSync(path.join(dir, ".hidden"), "h\n");
      fs.writeFileSync(path.join(dir, "A long Name.conf"), "l\n");
      const when = new Date("2024-03-01T10:20:30Z");
      fs.utimesSync(path.join(dir, "EFI/debian/grub.cfg"), when, when);

      expect(await copy(dir, img)).toBe(4);
      const listing = mt("mdir", ["-b", "-/", "-i", img, "::/"]).split("\n").filter(Boolean).sort();
      expect(listing).toEqual([
        "::/.hidden",
        "::/A long Name.conf",
        "::/EFI/",
        "::/EFI/BOOT/",
        "::/EFI/BOOT/BOOTX64.EFI",
        "::/EFI/debian/",
        "::/EFI/debian/grub.cfg",
        "::/empty/",
        "::/empty/inner/",
      ]);
      expect(
        execFileSync("mtype", ["-i", img, "::/EFI/BOOT/BOOTX64.EFI"], {
          env: { ...DEFAULT_HOST_ENV, MTOOLS_SKIP_CHECK: "1" },
        }),
      ).toEqual(boot);
      expect(mt("mtype", ["-i", img, "::/EFI/debian/grub.cfg"])).toBe(
        "search --label cloudimg-rootfs\n",
      );
      // FAT keeps local time at 2 s resolution; mdir prints it, so compare the date.
      expect(mt("mdir", ["-i", img, "::/EFI/debian"])).toMatch(/grub\s+cfg\s+31 2024-03-01/);

      // A retry overwrites instead of asking (stdin is closed) or failing.
      fs.writeFileSync(path.join(dir, "EFI/debian/grub.cfg"), "second\n");
      expect(await copy(dir, img)).toBe(4);
      expect(mt("mtype", ["-i", img, "::/EFI/debian/grub.cfg"])).toBe("second\n");
    },
  );

  it.skipIf(noMtools)("an empty staging dir copies nothing and leaves the FAT empty", async () => {
    const img = fatImage();
    expect(await copy(tmpdir(), img)).toBe(0);
    expect(mt("mdir", ["-b", "-i", img, "::/"]).trim()).toBe("");
  });

  it.skipIf(noMtools)(
    "a tree FAT cannot hold, or a failing mcopy, is one clear error",
    async () => {
      const img = fatImage();
      const dir = tmpdir();
      fs.writeFileSync(path.join(dir, "grub.cfg"), "");
      fs.symlinkSync("grub.cfg", path.join(dir, "link"));
      await expect(copy(dir, img)).rejects.toThrow(
        /^cannot copy the staged \/boot\/efi into the vfat filesystem on .*esp\.img: \/boot\/efi\/link is a symbolic link/,
      );
      expect(mt("mdir", ["-b", "-i", img, "::/"]).trim()).toBe("");
      fs.rmSync(path.join(dir, "link"));
      const notFat = path.join(tmpdir(), "zero.img");
      fs.writeFileSync(notFat, Buffer.alloc(1024 * 1024));
      await expect(copy(dir, notFat)).rejects.toThrow(
        /^cannot copy the staged \/boot\/efi into the vfat filesystem on .*zero\.img: `mcopy -s -p -m -Q -D o -i .*` failed with exit code 1/,
      );
    },
  );

  it("a missing mcopy is named with the package to install", async () => {
    const empty = tmpdir();
    await expect(checkMtools(runner, { PATH: empty, LC_ALL: "C" })).rejects.toThrow(
      "this kernel has no vfat and mcopy is missing: install mtools (Debian package `mtools`) to build images with a FAT filesystem here",
    );
  });
});
