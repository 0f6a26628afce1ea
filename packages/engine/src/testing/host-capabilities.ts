/**
 * What this host can do for a test, each as a skip reason (a string saying
 * what is missing) or null when the test can run. One place for the checks, so
 * every skipped test gives the same reason for the same lack:
 *
 *   const why = canUseLoopDevices();
 *   it.skipIf(why)(`attaches a loop${skipNote(why)}`, …)
 *
 * Tools are looked up on the PATH the engine's commands run with, through the
 * build's own pre-flight (findHostProblems), so a test skips exactly when a
 * build would refuse to start for the same reason.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findHostProblems } from "../pipeline/host/preflight.ts";

/** Why a test cannot run here, or null when it can. */
export type SkipReason = string | null;

const cache = new Map<string, SkipReason>();
function once(key: string, probe: () => SkipReason): SkipReason {
  if (!cache.has(key)) cache.set(key, probe());
  return cache.get(key)!;
}

/** The first reason among several checks, or null when all pass. */
export function firstReason(...reasons: SkipReason[]): SkipReason {
  return reasons.find((reason) => reason !== null) ?? null;
}

/** A suffix for a test title: " (skipped: why)" when skipped, "" otherwise. */
export function skipNote(reason: SkipReason): string {
  return reason === null ? "" : ` (skipped: ${reason})`;
}

const warned = new Set<string>();
/** Print once per file load why `what` is skipped (nothing when it runs). */
export function warnIfSkipped(what: string, reason: SkipReason): void {
  if (reason === null || warned.has(`${what}\0${reason}`)) return;
  warned.add(`${what}\0${reason}`);
  console.warn(`${what} skipped: ${reason}`);
}

/** Root: mounts, loop devices, chroot. */
export function isRoot(): SkipReason {
  return once("root", () => (findHostProblems({ root: true }).length > 0 ? "needs root" : null));
}

/** The opposite: some checks only mean something when permissions apply (root reads all). */
export function isNotRoot(): SkipReason {
  return isRoot() === null ? "root bypasses file permissions" : null;
}

/** An executable on the engine's host PATH. */
export function hasTool(name: string): SkipReason {
  return hasTools(name);
}

/** Every one of `names` on the engine's host PATH (the reason names the first missing one). */
export function hasTools(...names: string[]): SkipReason {
  return once(`tools:${names.join(",")}`, () => findHostProblems({ tools: names })[0] ?? null);
}

/** Root and a loop device the kernel can give (attach, partition, detach). */
export function canUseLoopDevices(): SkipReason {
  return once("loop", () =>
    firstReason(isRoot(), hasTool("losetup"), findHostProblems({ loopDevices: 1 })[0] ?? null),
  );
}

/** The tools a build on the fake OS (test/fixtures/elements) runs with. */
export const BUILD_TOOLS = ["losetup", "partx", "mkfs.ext4", "qemu-img", "chroot"];

/** Root, loop devices and the image tools: what a real build needs. */
export function canBuild(): SkipReason {
  return firstReason(canUseLoopDevices(), hasTools(...BUILD_TOOLS));
}

/** The tools that partition and format an image (the block-device stage). */
export const BLOCK_DEVICE_TOOLS = ["partx", "sgdisk", "sfdisk", "mkfs.ext4", "mkfs.vfat", "blkid"];

/** Loop devices and the block-device tools: create, partition, format and mount an image. */
export function canMakeBlockDevices(): SkipReason {
  return firstReason(canUseLoopDevices(), hasTools(...BLOCK_DEVICE_TOOLS));
}

/** mtools and dosfstools: read and write a FAT image without mounting it. */
export function hasMtools(): SkipReason {
  return hasTools("mcopy", "mdir", "mtype", "mkfs.vfat", "fsck.fat");
}

/** A kernel that can mount vfat (some microVM kernels are built without it). */
export function hasVfatFilesystem(): SkipReason {
  return once("vfat", () => {
    const known = fs.existsSync("/proc/filesystems")
      ? fs.readFileSync("/proc/filesystems", "utf8").split(/\s+/)
      : [];
    return known.includes("vfat") ? null : "the kernel has no vfat";
  });
}

/** The DIB package the differential tests run (Debian's python3-diskimage-builder). */
export const DIB_ROOT = "/usr/lib/python3/dist-packages/diskimage_builder";
/** The interpreter that imports diskimage_builder (not a pyenv python3 that may be on PATH). */
export const DIB_PYTHON = "/usr/bin/python3";

/** The system Python 3 (the oracle for CPython behaviour Kiln copies). */
export function hasPython(): SkipReason {
  return fs.existsSync(DIB_PYTHON) ? null : `${DIB_PYTHON} is missing`;
}

/** diskimage-builder installed and importable: its tools, element tree and block-device code. */
export function hasDib(): SkipReason {
  return once("dib", () => {
    const files = [
      DIB_PYTHON,
      path.join(DIB_ROOT, "lib", "element-info.py"),
      path.join(DIB_ROOT, "lib", "dib-run-parts"),
      path.join(DIB_ROOT, "block_device", "config.py"),
    ];
    const missing = files.find((file) => !fs.existsSync(file));
    if (missing) return `DIB not installed: ${missing} is missing (python3-diskimage-builder)`;
    const modules = "diskimage_builder.element_dependencies, diskimage_builder.block_device.config";
    const probe = spawnSync(DIB_PYTHON, ["-c", `import ${modules}, networkx, yaml`], {
      encoding: "utf8",
    });
    if (probe.status === 0) return null;
    return `${DIB_PYTHON} cannot import DIB: ${probe.stderr.trim().split("\n").pop()}`;
  });
}

/** Debian's chromium, which the browser tests drive (no browser is downloaded). */
export const CHROMIUM = "/usr/bin/chromium";

/** The Chromium the browser tests drive. */
export function hasChromium(): SkipReason {
  return fs.existsSync(CHROMIUM) ? null : `no ${CHROMIUM} (apt-get install chromium)`;
}

/** qemu and the image tools the boot tests build and boot with. */
export function hasQemu(): SkipReason {
  return hasTools("qemu-img", "qemu-system-x86_64");
}

/** What building and booting a real Debian image needs: a build host, debootstrap, qemu. */
export function canBuildDebianImages(): SkipReason {
  return firstReason(canBuild(), hasTools("debootstrap", "sgdisk", "mcopy"), hasQemu());
}
