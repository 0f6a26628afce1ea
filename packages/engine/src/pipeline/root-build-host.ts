import type { BlockDevicePlan } from "../block-device/plan-block-device.ts";
import { silentLogger, type Logger } from "../logger.ts";
import { createBlockDevices } from "./block-device/create-block-devices.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import { umountBlockDevices } from "./block-device/umount-block-devices.ts";
import type { BuildHost } from "./build-host.ts";
import { createBuildDir } from "./host/build-dir.ts";
import { killChrootProcesses, mountChrootFilesystems } from "./host/chroot.ts";
import { listMountsUnder, MountTracker, unmountAllUnder } from "./host/mounts.ts";
import { checkHost } from "./host/preflight.ts";
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
    async preflight(req) {
      checkHost({ root: true, tools: req.tools, loopDevices: req.loopDevices, space: req.space });
    },
    async createBuildDir(o) {
      // What a crashed predecessor left (its pid is gone) is cleaned first.
      const stale = await cleanStaleBuilds({ tmpDir: o.tmpDir, runner, logger });
      for (const c of stale.cleaned)
        logger.warn(`cleaned up after a crashed build: ${c.dir} (${c.reason})`);
      const dirs = await createBuildDir({ ...o, runner, logger });
      return { buildDir: dirs.buildDir, imageDir: dirs.imageDir };
    },
    mountChrootFilesystems: (root) => mountChrootFilesystems(tracker, root, { runner }),
    bindReadOnly: (source, target) => tracker.bindMount(source, target, { readOnly: true }),
    unmount: (target) => tracker.unmount(target),
    async unmountAllUnder(dir, opts = {}) {
      const keep = new Set(opts.keep ?? []);
      for (const m of listMountsUnder(dir, { includeSelf: true })) {
        if (keep.has(m.target)) continue;
        const report = await unmountAllUnder(m.target, { runner, logger, includeSelf: true });
        if (report.errors.length)
          logger.warn(`could not unmount ${m.target}: ${report.errors.join("; ")}`);
      }
    },
    async killChrootProcesses(root) {
      const killed = await killChrootProcesses(root, { logger });
      for (const p of killed) logger.info(`Killed chroot process ${p.comm}(${p.pid})`);
    },
    createBlockDevices: (plan: BlockDevicePlan, signal?: AbortSignal) =>
      createBlockDevices({ plan, runner, tracker, logger, signal }),
    umountBlockDevices: (state: BlockDeviceState) =>
      umountBlockDevices(state, { runner, tracker, logger }),
    teardown: (o) => teardownBuild({ ...o, runner, logger }),
  };
}
