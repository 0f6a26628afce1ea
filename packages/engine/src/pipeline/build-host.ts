import type { BlockDevicePlan } from "../block-device/plan-block-device.ts";
import type { BlockDeviceState } from "./block-device/types.ts";
import type { TeardownReport } from "./host/teardown.ts";
import type { HostHookRef } from "./host/preflight.ts";
import type { CommandRunner } from "./host/types.ts";

/** A build's two directories (DIB's TMP_BUILD_DIR and TMP_IMAGE_DIR). */
export interface BuildDirs {
  buildDir: string;
  imageDir: string;
}

/** What pre-flight checks before a build touches anything. */
export interface PreflightRequest {
  tools: string[];
  loopDevices: number;
  space: { dir: string; bytes: number }[];
  /** The interpreter host-side Python hooks will run with, and every hook of the build. */
  pythonHooks: { python: string; hooks: HostHookRef[] };
}

/**
 * Every host side effect the pipeline needs, behind one interface: the real
 * one runs as root (root-build-host.ts); the fake in testing/fake-build-host.ts
 * runs the pipeline over temp directories without root.
 */
export interface BuildHost {
  runner: CommandRunner;
  /** Fail with a HostError listing every problem (root, tools, loops, space, Python). */
  preflight(request: PreflightRequest): Promise<void>;
  /** Clean what crashed builds left under `tmpDir`, then make this build's directories. */
  createBuildDir(request: {
    tmpDir: string;
    tmpfs: boolean;
    minTmpfsGb: number;
  }): Promise<BuildDirs>;
  /** proc, dev, dev/pts, sys (read-only) under the image root. */
  mountChrootFilesystems(root: string): Promise<void>;
  /** Read-only bind mount (the hooks tree at /tmp/in_target.d). */
  bindReadOnly(source: string, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  /** Unmount everything at and below `dir`, deepest first (lazily if busy), except `keep`. */
  unmountAllUnder(dir: string, options?: { keep?: string[] }): Promise<void>;
  killChrootProcesses(root: string): Promise<void>;
  createBlockDevices(plan: BlockDevicePlan, signal?: AbortSignal): Promise<BlockDeviceState>;
  umountBlockDevices(state: BlockDeviceState): Promise<void>;
  /** Guaranteed cleanup; idempotent; never throws. */
  teardown(request: BuildDirs & { keep: boolean }): Promise<TeardownReport>;
}
