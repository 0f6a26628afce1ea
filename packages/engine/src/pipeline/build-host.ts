import type { BlockDevicePlan } from "../block-device/plan-block-device.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import type { TeardownReport } from "./host/teardown.ts";
import type { CommandRunner } from "./host/types.ts";

/**
 * Every host side effect the pipeline needs, behind one interface: the real
 * one runs as root; tests can substitute their own.
 */
export interface BuildHost {
  runner: CommandRunner;
  /** Fail with a HostError listing every problem (root, tools, loops, space). */
  preflight(req: {
    tools: string[];
    loopDevices: number;
    space: { dir: string; bytes: number }[];
  }): Promise<void>;
  createBuildDir(o: {
    tmpDir: string;
    tmpfs: boolean;
    minTmpfsGb: number;
  }): Promise<{ buildDir: string; imageDir: string }>;
  /** proc, dev, dev/pts, sys (read-only) under the image root. */
  mountChrootFilesystems(root: string): Promise<void>;
  /** Read-only bind mount (the hooks tree at /tmp/in_target.d). */
  bindReadOnly(source: string, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  /** Unmount everything at and below `dir`, deepest first (lazily if busy), except `keep`. */
  unmountAllUnder(dir: string, opts?: { keep?: string[] }): Promise<void>;
  killChrootProcesses(root: string): Promise<void>;
  createBlockDevices(plan: BlockDevicePlan, signal?: AbortSignal): Promise<BlockDeviceState>;
  umountBlockDevices(state: BlockDeviceState): Promise<void>;
  /** Guaranteed cleanup; idempotent; never throws. */
  teardown(o: { buildDir: string; imageDir: string; keep: boolean }): Promise<TeardownReport>;
}
