import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planBlockDevice } from "../../block-device/plan-block-device.ts";
import { attachLoop, detachLoop } from "../host/loop-devices.ts";
import { MountTracker } from "../host/mounts.ts";
import { writeDiskOutputs, writeTreeOutputs } from "../outputs/write-outputs.ts";
import { createBlockDevices } from "./create-block-devices.ts";
import { computeImageSize, measureTreeKiB } from "./image-size.ts";
import {
  assertClean,
  canRun,
  cleanupTmpDirs,
  copyTree,
  elementsDir,
  runner,
  setup,
  sh,
  why,
} from "./test-fixtures.ts";
import { umountBlockDevices } from "./umount-block-devices.ts";

afterEach(cleanupTmpDirs);

describe("the block-device stage end to end", () => {
  it.skipIf(!canRun)(
    `end to end: size from du, copy, tar while mounted, qcow2+raw after umount (${why})`,
    async () => {
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
    },
  );

  it.skipIf(!canRun)(
    `a busy mount: umount reports it and keeps the loop, a retry finishes (${why})`,
    async () => {
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
        expect(
          fs.existsSync(`/sys/block/${state.imageBlockDevice.slice(5)}/loop/backing_file`),
        ).toBe(true);
      } finally {
        holder.kill("SIGKILL");
        await new Promise((r) => holder.once("exit", r));
      }
      await umountBlockDevices(state, { runner, tracker });
      assertClean(tmp, state);
    },
  );
});
