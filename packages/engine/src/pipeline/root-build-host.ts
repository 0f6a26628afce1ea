import type { BlockDevicePlan } from "../block-device/plan-block-device.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { createBlockDevices } from "./block-device/create-block-devices.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import { umountBlockDevices } from "./block-device/umount-block-devices.ts";
import type { BuildHost } from "./build-host.ts";
import { createBuildDir } from "./host/build-dir.ts";
import { killChrootProcesses, mountChrootFilesystems } from "./host/chroot.ts";
import { listMountsUnder, MountTracker, unmountAllUnder } from "./host/mounts.ts";
import { checkHost, checkPythonHooks } from "./host/preflight.ts";
import { createCommandRunner } from "./host/run-command.ts";
import { cleanStaleBuilds } from "./host/stale-builds.ts";
import { teardownBuild } from "./host/teardown.ts";

/**
 * The real build host: runs as root, mounts, attaches loop devices and
 * chroots. Everything it makes is recorded, and `teardown` releases it all.
 */
export function createRootBuildHost(options: { logger?: Logger } = {}): BuildHost {
  const logger = options.logger ?? silentLogger;
  const runner = createCommandRunner({ logger });
  const tracker = new MountTracker({ runner, logger });
  return {
    runner,
    async preflight(request) {
      const { tools, loopDevices, space } = request;
      checkHost({ root: true, tools, loopDevices, space });
      // Upstream host hooks written in Python need an interpreter with PyYAML (and DIB's package).
      checkPythonHooks(request.pythonHooks);
    },
    async createBuildDir(request) {
      // What a crashed predecessor left (its pid is gone) is cleaned first.
      const stale = await cleanStaleBuilds({ tmpDir: request.tmpDir, runner, logger });
      for (const cleaned of stale.cleaned)
        logger.warn(`cleaned up after a crashed build: ${cleaned.dir} (${cleaned.reason})`);
      const dirs = await createBuildDir({ ...request, runner, logger });
      return { buildDir: dirs.buildDir, imageDir: dirs.imageDir };
    },
    mountChrootFilesystems: (root) => mountChrootFilesystems(tracker, root, { runner }),
    bindReadOnly: (source, target) => tracker.bindMount(source, target, { readOnly: true }),
    unmount: (target) => tracker.unmount(target),
    async unmountAllUnder(dir, options = {}) {
      const keep = new Set(options.keep ?? []);
      for (const mount of listMountsUnder(dir, { includeSelf: true })) {
        if (keep.has(mount.target)) continue;
        const report = await unmountAllUnder(mount.target, { runner, logger, includeSelf: true });
        if (report.errors.length)
          logger.warn(`could not unmount ${mount.target}: ${report.errors.join("; ")}`);
      }
    },
    async killChrootProcesses(root) {
      const killed = await killChrootProcesses(root, { logger });
      for (const victim of killed)
        logger.info(`Killed chroot process ${victim.comm}(${victim.pid})`);
    },
    createBlockDevices: (plan: BlockDevicePlan, signal?: AbortSignal) =>
      createBlockDevices({ plan, runner, tracker, logger, signal }),
    umountBlockDevices: (state: BlockDeviceState) =>
      umountBlockDevices(state, { runner, tracker, logger }),
    teardown: (request) => teardownBuild({ ...request, runner, logger }),
  };
}
