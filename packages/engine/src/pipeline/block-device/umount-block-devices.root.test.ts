import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planBlockDevice } from "../../block-device/plan-block-device.ts";
import { attachLoop, detachLoop } from "../host/loop-devices.ts";
import { listMountsUnder, MountTracker } from "../host/mounts.ts";
import { writeDiskOutputs, writeTreeOutputs } from "../outputs/write-outputs.ts";
import { createBlockDevices } from "./create-block-devices.ts";
import { computeImageSize, measureTreeKiB } from "./image-size.ts";
import {
  assertClean,
  mtools,
  mtoolsRaw,
  cleanupTmpDirs,
  copyTree,
  elementsDir,
  runner,
  setup,
  sh,
} from "../../testing/block-device-fixtures.ts";
import {
  canMakeBlockDevices,
  firstReason,
  hasMtools,
  hasVfatFilesystem,
  skipNote,
} from "../../testing/host-capabilities.ts";
import { umountBlockDevices } from "./umount-block-devices.ts";

afterEach(cleanupTmpDirs);

const why = canMakeBlockDevices();
const kernelHasVfat =
  hasVfatFilesystem() === null ? "the kernel has vfat, so nothing is staged" : null;
const noStaging = firstReason(kernelHasVfat, hasMtools());
const hasGrubEfi =
  fs.existsSync("/usr/lib/grub/x86_64-efi/modinfo.sh") &&
  ["/usr/sbin/grub-install", "/usr/bin/grub-install"].some((p) => fs.existsSync(p));
const noGrubEfi = firstReason(
  noStaging,
  hasGrubEfi ? null : "needs grub2-common, grub-efi-amd64-bin",
);

describe.skipIf(why)(`the block-device stage end to end (root)${skipNote(why)}`, () => {
  it(`end to end: size from du, copy, tar while mounted, qcow2+raw after umount`, async () => {
    // DIB sizing gives a tree under ~40 MiB too little room for its 64 MiB ext4 journal.
    const { tmp, tree } = setup("block-device-mbr", "64MiB"); // its plan is not used
    fs.writeFileSync(path.join(tree, "etc/big"), Buffer.alloc(48 * 1024 * 1024, 7));
    const t0 = Date.now();
    const size = computeImageSize({
      treeKiB: await measureTreeKiB(tree, runner),
      rootFsType: "ext4",
    });
    const config = fs.readFileSync(
      path.join(elementsDir, "block-device-mbr/block-device-default.yaml"),
      "utf8",
    );
    const plan = planBlockDevice({
      config,
      params: {
        imageSize: size.imageSizeParam,
        imageDir: path.join(tmp, "image"),
        mountBase: path.join(tmp, "mnt"),
        rootFsType: "ext4",
        rootFsOpts: size.mkfsOpts,
        rootLabel: null,
      },
    });
    const tracker = new MountTracker({ runner });
    const state = await createBlockDevices({ plan, runner, tracker });
    const root = state.rootPath as string;
    await copyTree(tree, root);
    fs.writeFileSync(path.join(root, "etc/fstab"), state.fstab);
    const [tar] = await writeTreeOutputs({
      types: ["tar", "qcow2", "raw"],
      imageName: "out/img",
      cwd: tmp,
      rootTree: root,
      runner,
    });
    await umountBlockDevices(state, { runner, tracker });
    assertClean(tmp, state);
    const disk = await writeDiskOutputs({
      types: ["tar", "qcow2", "raw"],
      imageName: "out/img",
      cwd: tmp,
      rawImage: state.imagePath,
      runner,
    });
    const ms = Date.now() - t0;
    expect(tar?.kind).toBe("tar");
    expect(sh("tar", ["-tf", tar?.path as string])).toContain("./etc/big");
    expect(disk.map((a) => a.kind)).toEqual(["qcow2", "raw"]);
    expect(fs.statSync(path.join(tmp, "out/img.raw")).size).toBe(size.sizeKiB * 1024);

    // Boot-side view: the raw image's partition holds the tree and the fstab.
    const att = await attachLoop(path.join(tmp, "out/img.raw"), { runner });
    try {
      expect(att.partitions).toEqual([`${att.device}p1`]);
      const check = path.join(tmp, "check");
      fs.mkdirSync(check);
      await tracker.mount({ source: `${att.device}p1`, target: check, options: ["ro"] });
      try {
        expect(fs.readFileSync(path.join(check, "etc/fstab"), "utf8")).toBe(
          "LABEL=cloudimg-rootfs / ext4 defaults 0 1\n",
        );
        expect(fs.statSync(path.join(check, "etc/big")).size).toBe(48 * 1024 * 1024);
        expect(fs.readlinkSync(path.join(check, "bin"))).toBe("usr/bin");
      } finally {
        await tracker.unmount(check);
      }
    } finally {
      await detachLoop(att.device, { runner });
    }
    console.info(`end to end (${size.sizeKiB} KiB image, 48 MiB tree): ${ms} ms`);
  });

  it(`a busy mount: umount reports it and keeps the loop, a retry finishes`, async () => {
    const { tmp, plan, tracker } = setup("block-device-mbr", "64MiB");
    const state = await createBlockDevices({ plan, runner, tracker });
    const root = state.rootPath as string;
    // A process whose working directory is inside the image keeps it busy.
    const holder = spawn("sleep", ["30"], { cwd: root, stdio: "ignore" });
    try {
      const err = await umountBlockDevices(state, {
        runner,
        tracker,
        retries: 2,
        retryDelayMs: 50,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(
        new RegExp(`^umount of the image's filesystems failed: ${root} \\(/\\) is still mounted`),
      );
      expect(fs.existsSync(`/sys/block/${state.imageBlockDevice.slice(5)}/loop/backing_file`)).toBe(
        true,
      );
    } finally {
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
    }
    await umountBlockDevices(state, { runner, tracker });
    assertClean(tmp, state);
  });

  it.skipIf(noStaging)(
    `a staged ESP whose copy fails stays mounted with its parent; a retry finishes${skipNote(noStaging)}`,
    async () => {
      const { tmp, plan, tracker } = setup("block-device-efi", "600MiB");
      const state = await createBlockDevices({ plan, runner, tracker });
      const esp = path.join(tmp, "mnt/boot/efi");
      fs.mkdirSync(path.join(esp, "EFI/BOOT"), { recursive: true });
      fs.writeFileSync(path.join(esp, "EFI/BOOT/BOOTX64.EFI"), "efi\n");
      fs.symlinkSync("BOOTX64.EFI", path.join(esp, "EFI/BOOT/link.efi"));
      const err = await umountBlockDevices(state, { runner, tracker }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "StagedCopyError", code: "HOST", mountPoint: "/boot/efi" });
      expect((err as Error).message).toBe(
        `cannot copy the staged /boot/efi into the vfat filesystem on ${state.imageBlockDevice}p1: ` +
          "/boot/efi/EFI/BOOT/link.efi is a symbolic link, which FAT cannot hold",
      );
      // Nothing was lost: the stand-in and the root are still there, the loop attached.
      expect(listMountsUnder(tmp).map((m) => m.target)).toEqual([esp, path.join(tmp, "mnt")]);
      fs.rmSync(path.join(esp, "EFI/BOOT/link.efi"));
      await umountBlockDevices(state, { runner, tracker });
      assertClean(tmp, state);
      const at = `${state.imagePath}@@${2048 * 512}`;
      expect(mtools("mtype", ["-i", at, "::/EFI/BOOT/BOOTX64.EFI"])).toBe("efi\n");
    },
  );

  it.skipIf(noGrubEfi)(
    `grub-install accepts the staged ESP and its files reach the partition${skipNote(noGrubEfi)}`,
    async () => {
      const { tmp, plan, tracker } = setup("block-device-efi", "600MiB");
      const state = await createBlockDevices({ plan, runner, tracker });
      const root = state.rootPath as string;
      const esp = path.join(root, "boot/efi");
      // What the bootloader element runs in the chroot, pointed at the host paths.
      const args = ["--target=x86_64-efi", `--efi-directory=${esp}`];
      args.push(`--boot-directory=${path.join(root, "boot")}`, "--removable", "--no-nvram");
      await runner.capture("grub-install", [...args, "--modules=part_gpt"], {
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
      });
      const staged = fs.readFileSync(path.join(esp, "EFI/BOOT/BOOTX64.EFI"));
      expect(staged.subarray(0, 2).toString()).toBe("MZ"); // a PE image
      await umountBlockDevices(state, { runner, tracker });
      assertClean(tmp, state);
      const at = `${state.imagePath}@@${2048 * 512}`;
      expect(mtoolsRaw("mtype", ["-i", at, "::/EFI/BOOT/BOOTX64.EFI"]).equals(staged)).toBe(true);
    },
  );
});
