/**
 * DIB's `dib-block-device umount` (spec §5.4): trim and unmount the image's
 * filesystems in reverse mount order, drop the partition nodes, detach the
 * loop devices. A staged FAT filesystem (see stage-vfat.ts) gets its files
 * copied in with mtools just before its stand-in is unmounted, so before its
 * parent is. Safe to call any number of times: each step checks what is
 * still mounted or attached on the host.
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { HostError } from "../host/errors.ts";
import { detachLoop } from "../host/loop-devices.ts";
import { isMounted, resolveDir, type MountTracker } from "../host/mounts.ts";
import { DEFAULT_HOST_ENV } from "../host/run-command.ts";
import type { CommandRunner } from "../host/types.ts";
import { copyStagedToFat } from "./stage-vfat.ts";
import type { BlockDeviceState } from "./types.ts";

export interface UmountBlockDevicesOptions {
  runner: CommandRunner;
  /** The tracker the mounts were made with (keeps its bookkeeping right). */
  tracker: MountTracker;
  logger?: Logger;
  env?: Record<string, string>;
  /** Attempts per busy mount (DIB: 9, 3 s apart). Default 5. */
  retries?: number;
  /** Delay between attempts, ms (default 1000). */
  retryDelayMs?: number;
  /** Skip `fstrim` (it returns freed blocks to the sparse image; default on, except vfat). */
  skipTrim?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Unmount and detach everything `createBlockDevices` made. Keeps going after
 * a failure and throws one `HostError` listing what is left at the end.
 * The image files stay (the outputs are made from them). A staged
 * filesystem whose copy fails is the exception: it throws that
 * `StagedCopyError` at once and leaves it and its parents mounted, so the
 * files are not lost and a retry can finish.
 */
export async function umountBlockDevices(
  state: BlockDeviceState,
  o: UmountBlockDevicesOptions,
): Promise<void> {
  const logger = o.logger ?? silentLogger;
  const env = o.env ?? DEFAULT_HOST_ENV;
  const retries = o.retries ?? 5;
  const errors: string[] = [];
  const mounted = (target: string): boolean => isMounted(resolveDir(target));

  for (const m of [...state.mountPoints].reverse()) {
    const target = m.path;
    if (!mounted(target)) continue;
    await o.runner.run("sync", [], { env });
    if (m.staged) {
      await copyStagedToFat({
        dir: target,
        device: m.device,
        mountPoint: m.mountPoint,
        runner: o.runner,
        env,
        logger,
      });
    }
    if (!o.skipTrim && m.fsType !== "vfat" && m.fsType !== "fat") {
      const trim = await o.runner.run("fstrim", ["--verbose", target], {
        env,
        onLine: (line) => logger.debug(line, { target }),
      });
      if (trim.exitCode !== 0) logger.warn("fstrim failed (not fatal)", { target });
    }
    let lastError = "";
    for (let attempt = 1; attempt <= retries && mounted(target); attempt++) {
      try {
        await o.tracker.unmount(target);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        logger.warn(`umount ${target} failed (attempt ${attempt}/${retries})`, {
          error: lastError,
        });
        if (attempt < retries) await sleep(o.retryDelayMs ?? 1000);
      }
    }
    if (mounted(target)) {
      errors.push(`${target} (${m.mountPoint}) is still mounted: ${lastError || "busy"}`);
    }
  }
  // A loop whose partitions are still mounted cannot be cleanly detached.
  if (errors.length > 0) {
    throw new HostError(`umount of the image's filesystems failed: ${errors.join("; ")}`);
  }

  const ours = (device: string): boolean =>
    state.loops.some((l) => l.device === device && isBackedBy(device, l.image));
  for (const loop of state.partitionedLoops) {
    if (!ours(loop)) continue;
    const res = await o.runner.run("partx", ["-d", loop], { env });
    if (res.exitCode !== 0) logger.debug("partx -d: nothing to delete", { loop });
  }
  for (const loop of [...state.loops].reverse()) {
    // Once detached, the device may already serve another build: check the backing file.
    if (!ours(loop.device)) continue;
    try {
      await detachLoop(loop.device, { runner: o.runner, logger, env });
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) {
    throw new HostError(`detaching the image's loop devices failed: ${errors.join("; ")}`);
  }
}

/** Whether `/dev/loopN` is attached to `image` (per sysfs). */
function isBackedBy(device: string, image: string): boolean {
  try {
    const back = fs
      .readFileSync(`/sys/block/${path.basename(device)}/loop/backing_file`, "utf8")
      .trim()
      .replace(/ \(deleted\)$/, "");
    return back === resolveDir(image);
  } catch {
    return false;
  }
}
