/**
 * Shared by the block-device tests (root, loop devices): temp dirs that are
 * always unmounted, detached and removed, a tiny root tree, planning of
 * Kiln's block-device elements. Whether the host can run them is
 * host-capabilities.ts's canMakeBlockDevices.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { planBlockDevice } from "../block-device/plan-block-device.ts";
import { detachLoopsBackedUnder } from "../pipeline/host/loop-devices.ts";
import { listMountsUnder, MountTracker, unmountAllUnder } from "../pipeline/host/mounts.ts";
import { createCommandRunner } from "../pipeline/host/run-command.ts";
import type { BlockDeviceState } from "../pipeline/block-device/types.ts";

export const elementsDir = path.resolve(fileURLToPath(import.meta.url), "../../../../../elements");
export const runner = createCommandRunner();
const dirs: string[] = [];

/** Call from afterEach: undo and remove everything the test's temp dirs hold. */
export async function cleanupTmpDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) {
    await unmountAllUnder(dir, { runner });
    await detachLoopsBackedUnder(dir, { runner });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function setup(element: string, imageSize: string, rootFsOpts?: string) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bd-"));
  dirs.push(tmp);
  const tree = path.join(tmp, "built");
  fs.mkdirSync(path.join(tree, "etc"), { recursive: true });
  fs.mkdirSync(path.join(tree, "usr/bin"), { recursive: true });
  fs.writeFileSync(path.join(tree, "etc/hostname"), "kiln-test\n");
  fs.writeFileSync(path.join(tree, "usr/bin/hello"), "#!/bin/sh\necho hello\n", { mode: 0o755 });
  fs.symlinkSync("usr/bin", path.join(tree, "bin"));
  const config = fs.readFileSync(
    path.join(elementsDir, element, "block-device-default.yaml"),
    "utf8",
  );
  const plan = planBlockDevice({
    config,
    source: element,
    params: {
      imageSize,
      imageDir: path.join(tmp, "image"),
      mountBase: path.join(tmp, "mnt"),
      rootFsType: "ext4",
      rootLabel: null,
      ...(rootFsOpts !== undefined ? { rootFsOpts } : {}),
    },
  });
  const tracker = new MountTracker({ runner });
  return { tmp, tree, plan, tracker };
}

export const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });

// mtools judges a partition's geometry unless told not to; mkfs's choice is fine.
const mtoolsEnv = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", LC_ALL: "C", MTOOLS_SKIP_CHECK: "1" };
export const mtools = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: "utf8", env: mtoolsEnv, stdio: ["ignore", "pipe", "pipe"] });
export const mtoolsRaw = (cmd: string, args: string[]): Buffer =>
  execFileSync(cmd, args, { env: mtoolsEnv, stdio: ["ignore", "pipe", "pipe"] });

export function blkid(device: string): Record<string, string> {
  const out = sh("blkid", ["-p", "-o", "export", device]);
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => l.split("=", 2) as [string, string]),
  );
}

export function assertClean(tmp: string, state?: BlockDeviceState) {
  expect(listMountsUnder(tmp, { includeSelf: true })).toEqual([]);
  const attached = sh("losetup", ["-a"]);
  expect(attached).not.toContain(tmp);
  // Once detached, no loop device may still be bound to this test's images.
  for (const l of state?.loops ?? []) {
    const back = `/sys/block/${path.basename(l.device)}/loop/backing_file`;
    if (fs.existsSync(back)) expect(fs.readFileSync(back, "utf8")).not.toContain(tmp);
  }
}

export async function copyTree(tree: string, root: string) {
  await runner.capture("cp", ["-a", `${tree}/.`, root], { env: { PATH: "/usr/bin:/bin" } });
}
