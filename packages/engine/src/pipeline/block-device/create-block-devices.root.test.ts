import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MbrLayout } from "../../block-device/layout-partitions.ts";
import { renderMbr } from "../../block-device/write-mbr.ts";
import { silentLogger } from "@kiln/contracts/logger";
import { attachLoop, detachLoop, listLoops } from "../host/loop-devices.ts";
import { listMountsUnder, MountTracker } from "../host/mounts.ts";
import type { CommandRunner } from "../host/types.ts";
import { createBlockDevices } from "./create-block-devices.ts";
import { computeImageSize } from "./image-size.ts";
import {
  assertClean,
  blkid,
  cleanupTmpDirs,
  copyTree,
  mtools,
  mtoolsRaw,
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
const noVfat = hasVfatFilesystem();
const kernelHasVfat = noVfat === null ? "the kernel has vfat, so nothing is staged" : null;
const noStaging = firstReason(kernelHasVfat, hasMtools());

describe.skipIf(why)(`createBlockDevices / umountBlockDevices (root)${skipNote(why)}`, () => {
  it(`block-device-mbr: byte-exact MBR, ext4 root, fstab, clean umount`, async () => {
    const mkfsOpts = computeImageSize({ imageSizeGB: "0.29296875", rootFsType: "ext4" }).mkfsOpts;
    const { tmp, tree, plan, tracker } = setup("block-device-mbr", "300MiB", mkfsOpts);
    const t0 = Date.now();
    const state = await createBlockDevices({ plan, runner, tracker, mbrDiskId: 0x1234abcd });
    const createdMs = Date.now() - t0;
    const loop = state.imageBlockDevice;
    expect(loop).toMatch(/^\/dev\/loop\d+$/);
    expect(state.devices).toEqual({ image0: loop, root: `${loop}p1` });
    expect(state.imageBlockDevices).toBe(` [image0]=${loop}  [root]=${loop}p1 `);
    expect(state.imagePath).toBe(path.join(tmp, "image", "image0.raw"));
    expect(state.fstab).toBe("LABEL=cloudimg-rootfs / ext4 defaults 0 1\n");
    expect(state.rootPath).toBe(path.join(tmp, "mnt"));
    expect(tracker.mounted).toEqual([path.join(tmp, "mnt")]);

    const id = blkid(`${loop}p1`);
    expect(id.TYPE).toBe("ext4");
    expect(id.LABEL).toBe("cloudimg-rootfs");
    expect(id.UUID).toBe(state.filesystems.mkfs_root?.uuid);
    // -i 4096 reached mkfs: one inode per 4 KiB block.
    const dumpe2fs = sh("dumpe2fs", ["-h", `${loop}p1`]);
    const inodes = Number(/Inode count:\s+(\d+)/.exec(dumpe2fs)?.[1]);
    const blocks = Number(/Block count:\s+(\d+)/.exec(dumpe2fs)?.[1]);
    const blockSize = Number(/Block size:\s+(\d+)/.exec(dumpe2fs)?.[1]);
    // (the default is 16384; group rounding moves it slightly).
    expect((blocks * blockSize) / inodes).toBeGreaterThan(4000);
    expect((blocks * blockSize) / inodes).toBeLessThan(4200);

    const dump = sh("sfdisk", ["-d", loop]);
    expect(dump).toContain("label: dos");
    expect(dump).toContain("label-id: 0x1234abcd");
    expect(dump).toMatch(/p1 : start=\s*2048, size=\s*610304, type=83, bootable/);

    await copyTree(tree, state.rootPath as string);
    expect(fs.readFileSync(path.join(state.rootPath as string, "etc/hostname"), "utf8")).toBe(
      "kiln-test\n",
    );

    const t1 = Date.now();
    await umountBlockDevices(state, { runner, tracker });
    const umountMs = Date.now() - t1;
    assertClean(tmp, state);
    expect(tracker.mounted).toEqual([]);
    // Idempotent: a second call finds nothing to do.
    await umountBlockDevices(state, { runner, tracker });

    // The table on disk is exactly what Kiln's DIB MBR writer renders.
    const table = plan.tables[0]?.layout as MbrLayout;
    const expected = renderMbr(table, 0x1234abcd)[0]?.bytes as Buffer;
    const fd = fs.openSync(state.imagePath, "r");
    const first = Buffer.alloc(512);
    fs.readSync(fd, first, 0, 512, 0);
    fs.closeSync(fd);
    expect(first.equals(expected)).toBe(true);
    expect(fs.statSync(state.imagePath).size).toBe(300 * 1024 * 1024);
    console.info(`mbr 300MiB: create ${createdMs} ms, umount ${umountMs} ms`);
  });

  it(`block-device-gpt: sgdisk layout BSP+root`, async () => {
    const { tmp, plan, tracker } = setup("block-device-gpt", "96MiB");
    const state = await createBlockDevices({ plan, runner, tracker });
    const loop = state.imageBlockDevice;
    expect(state.devices).toEqual({ image0: loop, BSP: `${loop}p1`, root: `${loop}p2` });
    const table = JSON.parse(sh("sfdisk", ["-J", loop])) as {
      partitiontable: {
        label: string;
        partitions: { start: number; size: number; type: string; name: string }[];
      };
    };
    expect(table.partitiontable.label).toBe("gpt");
    const parts = table.partitiontable.partitions;
    expect(parts.map((p) => p.name)).toEqual(["BSP", "root"]);
    expect(parts[0]?.type).toBe("21686148-6449-6E6F-744E-656564454649"); // EF02
    expect(parts[1]?.type).toBe("0FC63DAF-8483-4772-8E79-3D69D8477DE4"); // 8300
    expect(parts.map((p) => [p.start, p.size])).toEqual([
      [2048, 8 * 2048],
      [2048 + 8 * 2048, 86 * 2048],
    ]);
    expect(sh("sgdisk", ["-p", loop])).toMatch(/2\s+18432\s+194559\s+86\.0 MiB\s+8300\s+root/);
    expect(blkid(`${loop}p2`).TYPE).toBe("ext4");
    expect(blkid(`${loop}p2`).LABEL).toBe("cloudimg-rootfs");
    await umountBlockDevices(state, { runner, tracker });
    assertClean(tmp, state);
  });

  it.skipIf(noVfat)(
    `block-device-efi: vfat ESP at /boot/efi under the root${skipNote(noVfat)}`,
    async () => {
      const { tmp, tree, plan, tracker } = setup("block-device-efi", "600MiB");
      const t0 = Date.now();
      const state = await createBlockDevices({ plan, runner, tracker });
      const createdMs = Date.now() - t0;
      const loop = state.imageBlockDevice;
      expect(Object.keys(state.devices)).toEqual(["image0", "ESP", "BSP", "root"]);
      expect(blkid(`${loop}p1`)).toMatchObject({ TYPE: "vfat", LABEL: "MKFS_ESP" });
      expect(blkid(`${loop}p3`)).toMatchObject({ TYPE: "ext4", LABEL: "cloudimg-rootfs" });
      expect(state.mountPoints.map((m) => [m.mountPoint, m.path])).toEqual([
        ["/", path.join(tmp, "mnt")],
        ["/boot/efi", path.join(tmp, "mnt", "boot", "efi")],
      ]);
      expect(state.fstab).toBe(
        "LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=MKFS_ESP /boot/efi vfat defaults 0 2\n",
      );
      const mounts = listMountsUnder(tmp).map((m) => [m.target, m.fstype]);
      expect(mounts).toContainEqual([path.join(tmp, "mnt", "boot", "efi"), "vfat"]);
      await copyTree(tree, state.rootPath as string);
      fs.writeFileSync(path.join(tmp, "mnt/boot/efi/marker"), "esp\n");
      await umountBlockDevices(state, { runner, tracker });
      assertClean(tmp, state);
      console.info(`efi 600MiB: create ${createdMs} ms`);
    },
  );

  it.skipIf(noStaging)(
    `block-device-efi without kernel vfat: ESP staged, copied in with mtools at umount${skipNote(noStaging)}`,
    async () => {
      const { tmp, tree, plan, tracker } = setup("block-device-efi", "600MiB");
      const warned: string[] = [];
      const logger = { ...silentLogger, warn: (msg: string) => void warned.push(msg) };
      const state = await createBlockDevices({ plan, runner, tracker, logger });
      const loop = state.imageBlockDevice;
      const root = path.join(tmp, "mnt");
      const esp = path.join(root, "boot", "efi");
      expect(warned).toEqual([
        "vfat is not available in this kernel: staging /boot/efi and copying it in with mtools at unmount",
      ]);
      const table = sh("sgdisk", ["-p", loop]);
      expect(table).toMatch(/1\s+2048\s+1128447\s+550\.0 MiB\s+EF00\s+ESP/);
      expect(table).toMatch(/2\s+1128448\s+1144831\s+8\.0 MiB\s+EF02\s+BSP/);
      expect(table).toMatch(/3\s+1144832\s+\d+\s+[\d.]+ MiB\s+8300\s+root/);
      expect(blkid(`${loop}p1`)).toMatchObject({ TYPE: "vfat", LABEL: "MKFS_ESP" });
      expect(blkid(`${loop}p3`)).toMatchObject({ TYPE: "ext4", LABEL: "cloudimg-rootfs" });
      expect(state.mountPoints).toEqual([
        {
          mountPoint: "/",
          path: root,
          node: "mount_mkfs_root",
          filesystem: "mkfs_root",
          fsType: "ext4",
          device: `${loop}p3`,
        },
        {
          mountPoint: "/boot/efi",
          path: esp,
          node: "mount_mkfs_ESP",
          filesystem: "mkfs_ESP",
          fsType: "vfat",
          device: `${loop}p1`,
          staged: true,
        },
      ]);
      // The running system mounts its ESP itself: fstab stays as planned.
      expect(state.fstab).toBe(
        "LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=MKFS_ESP /boot/efi vfat defaults 0 2\n",
      );
      expect(tracker.mounted).toEqual([root, esp]);
      // A stand-in that names the ESP's device: what `mountpoint` and grub-install look at.
      const mounts = listMountsUnder(tmp).map((m) => [m.target, m.fstype, m.source]);
      expect(mounts).toContainEqual([esp, "tmpfs", `${loop}p1`]);
      expect(mounts).toContainEqual([root, "ext4", `${loop}p3`]);
      sh("mountpoint", ["-q", esp]);

      await copyTree(tree, root);
      const bootx64 = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
      fs.mkdirSync(path.join(esp, "EFI/BOOT"), { recursive: true });
      fs.mkdirSync(path.join(esp, "EFI/debian"), { recursive: true });
      fs.mkdirSync(path.join(esp, "EFI/empty"), { recursive: true });
      fs.writeFileSync(path.join(esp, "EFI/BOOT/BOOTX64.EFI"), bootx64);
      fs.writeFileSync(path.join(esp, "EFI/debian/grub.cfg"), "configfile $prefix/grub.cfg\n");
      const t1 = Date.now();
      await umountBlockDevices(state, { runner, tracker });
      const umountMs = Date.now() - t1;
      assertClean(tmp, state);
      expect(tracker.mounted).toEqual([]);
      await umountBlockDevices(state, { runner, tracker }); // idempotent

      // The ESP inside the image file, read by offset (partition 1 starts at sector 2048).
      const at = `${state.imagePath}@@${2048 * 512}`;
      expect(
        mtools("mdir", ["-b", "-/", "-i", at, "::/"]).split("\n").filter(Boolean).sort(),
      ).toEqual([
        "::/EFI/",
        "::/EFI/BOOT/",
        "::/EFI/BOOT/BOOTX64.EFI",
        "::/EFI/debian/",
        "::/EFI/debian/grub.cfg",
        "::/EFI/empty/",
      ]);
      // Attached again, as a reader of the finished disk would.
      const att = await attachLoop(state.imagePath, { runner });
      try {
        const p1 = `${att.device}p1`;
        expect(mtools("mdir", ["-i", p1, "::/EFI/BOOT"])).toMatch(/BOOTX64\s+EFI\s+70000 /);
        expect(mtoolsRaw("mtype", ["-i", p1, "::/EFI/BOOT/BOOTX64.EFI"]).equals(bootx64)).toBe(
          true,
        );
        expect(mtools("mtype", ["-i", p1, "::/EFI/debian/grub.cfg"])).toBe(
          "configfile $prefix/grub.cfg\n",
        );
        mtools("fsck.fat", ["-n", p1]); // exits non-zero on any inconsistency
        // The staged files did not stay behind in the root filesystem.
        const check = path.join(tmp, "check");
        fs.mkdirSync(check);
        await tracker.mount({ source: `${att.device}p3`, target: check, options: ["ro"] });
        try {
          expect(fs.readdirSync(path.join(check, "boot/efi"))).toEqual([]);
          expect(fs.readFileSync(path.join(check, "etc/hostname"), "utf8")).toBe("kiln-test\n");
        } finally {
          await tracker.unmount(check);
        }
      } finally {
        await detachLoop(att.device, { runner });
      }
      assertClean(tmp, state);
      console.info(`efi 600MiB staged: umount with mcopy ${umountMs} ms`);
    },
  );

  it(`a failing mkfs rolls back: nothing mounted, attached or left`, async () => {
    const { tmp, plan, tracker } = setup("block-device-mbr", "64MiB", "--no-such-option");
    const err = await createBlockDevices({ plan, runner, tracker }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "BlockDeviceCreateError",
      code: "HOST",
      node: "mkfs_root",
    });
    expect((err as Error).message).toMatch(
      /^block device node 'mkfs_root': `mkfs -t ext4 --no-such-option -L cloudimg-rootfs -U [0-9a-f-]+ -q \/dev\/loop\d+p1`: failed/,
    );
    assertClean(tmp);
    expect(fs.existsSync(path.join(tmp, "image", "image0.raw"))).toBe(false);
  });

  it(`a failing second mount undoes the first mount and the loop`, async () => {
    const { tmp, plan, tracker } = setup("block-device-efi", "600MiB");
    let mounts = 0;
    // Only the host's mount command is replaced; the code under test runs for real.
    const failing: CommandRunner = {
      run: (f, a, o) => runner.run(f, a, o),
      capture: (f, a, o) => {
        if (f === "mount" && ++mounts === 2)
          return Promise.reject(new Error("injected mount failure"));
        return runner.capture(f, a, o);
      },
    };
    const t2 = new MountTracker({ runner: failing });
    // As on a kernel with vfat, so the ESP takes the real mount path here too.
    const err = await createBlockDevices({
      plan,
      runner: failing,
      tracker: t2,
      procFilesystems: "nodev\ttmpfs\n\text4\n\tvfat\n",
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^block device node 'mount_mkfs_ESP': `mount \/dev\/loop\d+p1 .*\/mnt\/boot\/efi`: injected mount failure$/,
    );
    expect(tracker.mounted).toEqual([]);
    expect(t2.mounted).toEqual([]);
    assertClean(tmp);
  });

  it(`an abort during mkfs gives CANCELLED and cleans up`, async () => {
    const { tmp, plan, tracker } = setup("block-device-gpt", "64MiB");
    const ac = new AbortController();
    const aborting: CommandRunner = {
      run: (f, a, o) => runner.run(f, a, o),
      capture: (f, a, o) => {
        if (f === "mkfs") ac.abort();
        return runner.capture(f, a, o);
      },
    };
    const err = await createBlockDevices({
      plan,
      runner: aborting,
      tracker,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CANCELLED", node: "mkfs_root" });
    assertClean(tmp);
    expect((await listLoops({ runner })).some((l) => l.backFile.startsWith(tmp))).toBe(false);
  });
});
