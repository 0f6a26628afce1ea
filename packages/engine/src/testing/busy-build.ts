/**
 * A build as the pipeline leaves it mid-way, for the teardown, stale-build and
 * signal tests (root): tmpfs build and image dirs, a chroot with
 * proc/dev/devpts/sys, the hooks bind-mounted read-only at /tmp/in_target.d,
 * and a loop device on a partitioned image whose ext4 partition is mounted at
 * the build's `built` dir.
 */
import fs from "node:fs";
import path from "node:path";
import { createBuildDir, type BuildDirs } from "../pipeline/host/build-dir.ts";
import { mountChrootFilesystems } from "../pipeline/host/chroot.ts";
import { attachLoop } from "../pipeline/host/loop-devices.ts";
import { MountTracker } from "../pipeline/host/mounts.ts";
import type { CommandRunner } from "../pipeline/host/types.ts";
import { hostEnv, makePartitionedImage, makeTinyChroot } from "./host-fixtures.ts";

/** /proc/meminfo text that lets the build dirs be tmpfs. */
const BIG_RAM = "MemTotal: 67108864 kB\n";

export interface BusyBuild extends BuildDirs {
  /** The chroot (the build's `mnt`). */
  root: string;
  /** The attached loop device. */
  loop: string;
}

/** Make the busy build under `tmpDir`. */
export async function makeBusyBuild(tmpDir: string, runner: CommandRunner): Promise<BusyBuild> {
  return await occupyBuildDirs(await createTmpfsBuildDirs(tmpDir, runner), runner);
}

/** The build and image dirs on tmpfs, empty: what a build has before its first step. */
export async function createTmpfsBuildDirs(
  tmpDir: string,
  runner: CommandRunner,
): Promise<BuildDirs> {
  return await createBuildDir({ tmpDir, tmpfs: true, runner, meminfo: BIG_RAM });
}

/** Fill `dirs` with the chroot mounts, the hooks bind and the loop-mounted image. */
export async function occupyBuildDirs(dirs: BuildDirs, runner: CommandRunner): Promise<BusyBuild> {
  const root = path.join(dirs.buildDir, "mnt");
  makeTinyChroot(root);
  const tracker = new MountTracker({ runner });
  await mountChrootFilesystems(tracker, root, { runner });
  fs.mkdirSync(path.join(root, "tmp/in_target.d"), { recursive: true });
  fs.mkdirSync(path.join(dirs.buildDir, "hooks"));
  await tracker.bindMount(path.join(dirs.buildDir, "hooks"), path.join(root, "tmp/in_target.d"), {
    readOnly: true,
  });
  const image = path.join(dirs.imageDir, "image0.raw");
  makePartitionedImage(image);
  const loop = await attachLoop(image, { runner });
  await runner.capture("mkfs.ext4", ["-q", loop.partitions[0]!], { env: hostEnv });
  fs.mkdirSync(path.join(dirs.buildDir, "built"));
  await tracker.mount({ source: loop.partitions[0]!, target: path.join(dirs.buildDir, "built") });
  return { ...dirs, root, loop: loop.device };
}
