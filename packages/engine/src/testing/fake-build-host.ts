/**
 * A `BuildHost` for tests that run without root, over temp directories:
 * - mounts are only recorded (a read-only bind mount copies its source, and
 *   unmounting empties the mount point again, as a real unmount would);
 * - chroot commands run on the host with the image root as working
 *   directory, and any argument under `/tmp/` resolved inside the root, so
 *   hooks bind-mounted at /tmp/in_target.d and environment.d both work;
 * - the block device is a plain sparse file, its filesystems are directories
 *   under the mount base.
 * Every call is appended to `calls`, in order.
 */
import fs from "node:fs";
import path from "node:path";
import { formatFstab, type BlockDevicePlan } from "../block-device/plan-block-device.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { BlockDeviceState, MountedState } from "../pipeline/block-device/types.ts";
import type { BuildDirs, BuildHost, PreflightRequest } from "../pipeline/build-host.ts";
import { HostNotReadyError } from "../pipeline/host/preflight.ts";
import { createCommandRunner } from "../pipeline/host/run-command.ts";
import type { TeardownReport } from "../pipeline/host/teardown.ts";
import type { CommandRunner, RunOptions } from "../pipeline/host/types.ts";

/** One call the pipeline made on the host. */
export type FakeHostCall =
  | { kind: "preflight"; request: PreflightRequest }
  | { kind: "createBuildDir"; dirs: BuildDirs }
  | { kind: "mountChrootFilesystems"; root: string }
  | { kind: "bindReadOnly"; source: string; target: string }
  | { kind: "unmount"; target: string }
  | { kind: "unmountAllUnder"; dir: string; keep: string[] }
  | { kind: "killChrootProcesses"; root: string }
  | { kind: "createBlockDevices"; imagePath: string }
  | { kind: "umountBlockDevices"; imagePath: string }
  | { kind: "teardown"; dirs: BuildDirs; keep: boolean; mountsLeft: string[] };

export interface FakeBuildHost extends BuildHost {
  /** Every host call, in order. */
  readonly calls: FakeHostCall[];
  /** Every command the pipeline ran, as it gave them (before chroot translation). */
  readonly commands: string[][];
  /** Targets of the fake mounts still in place. */
  mounts(): string[];
}

export interface FakeBuildHostOptions {
  /** Problems pre-flight reports; when any, it throws `HostNotReadyError` listing them. */
  preflightProblems?: string[];
  logger?: Logger;
}

/** Size of the file standing in for the image's block device. */
const FAKE_IMAGE_BYTES = 1024 * 1024;

export function createFakeBuildHost(options: FakeBuildHostOptions = {}): FakeBuildHost {
  const calls: FakeHostCall[] = [];
  const commands: string[][] = [];
  const mounts = new FakeMounts();
  const runner = chrootOnHostRunner(createCommandRunner({ logger: options.logger }), commands);
  let lastDirs: BuildDirs | undefined;
  return {
    calls,
    commands,
    runner,
    mounts: () => mounts.targets(),
    async preflight(request) {
      calls.push({ kind: "preflight", request });
      if (options.preflightProblems?.length) throw new HostNotReadyError(options.preflightProblems);
    },
    async createBuildDir(request) {
      const parent = fs.realpathSync(request.tmpDir);
      lastDirs = {
        buildDir: fs.mkdtempSync(path.join(parent, "kiln-build.")),
        imageDir: fs.mkdtempSync(path.join(parent, "kiln-image.")),
      };
      calls.push({ kind: "createBuildDir", dirs: lastDirs });
      return lastDirs;
    },
    async mountChrootFilesystems(root) {
      calls.push({ kind: "mountChrootFilesystems", root });
      for (const dir of ["proc", "dev", "dev/pts", "sys"]) mounts.add(path.join(root, dir));
    },
    async bindReadOnly(source, target) {
      calls.push({ kind: "bindReadOnly", source, target });
      fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
      mounts.add(target, { copied: true });
    },
    async unmount(target) {
      calls.push({ kind: "unmount", target });
      mounts.remove(target);
    },
    async unmountAllUnder(dir, unmountOptions = {}) {
      const keep = unmountOptions.keep ?? [];
      calls.push({ kind: "unmountAllUnder", dir, keep });
      for (const target of mounts.under(dir)) if (!keep.includes(target)) mounts.remove(target);
    },
    async killChrootProcesses(root) {
      calls.push({ kind: "killChrootProcesses", root });
    },
    async createBlockDevices(plan) {
      const state = fakeBlockDevices(plan, lastDirs?.imageDir);
      calls.push({ kind: "createBlockDevices", imagePath: state.imagePath });
      for (const mounted of state.mountPoints) mounts.add(mounted.path);
      return state;
    },
    async umountBlockDevices(state) {
      calls.push({ kind: "umountBlockDevices", imagePath: state.imagePath });
      for (const mounted of [...state.mountPoints].reverse()) mounts.remove(mounted.path);
    },
    async teardown(request) {
      const { keep, ...dirs } = request;
      const mountsLeft = [dirs.buildDir, dirs.imageDir].flatMap((dir) => mounts.under(dir));
      calls.push({ kind: "teardown", dirs, keep, mountsLeft });
      return fakeTeardown(mounts, dirs, keep, mountsLeft, options.logger ?? silentLogger);
    },
  };
}

/** The mounts the fake pretends to hold. */
class FakeMounts {
  private readonly held = new Map<string, { copied: boolean }>();

  add(target: string, how: { copied?: boolean } = {}): void {
    fs.mkdirSync(target, { recursive: true });
    this.held.set(target, { copied: how.copied ?? false });
  }

  /** Forget the mount; a copied bind mount leaves its mount point empty again. */
  remove(target: string): void {
    const mount = this.held.get(target);
    if (!mount) return;
    this.held.delete(target);
    if (mount.copied) {
      for (const name of fs.readdirSync(target)) {
        fs.rmSync(path.join(target, name), { recursive: true, force: true });
      }
    }
  }

  /** Targets at or below `dir`, deepest first (the order they can be unmounted in). */
  under(dir: string): string[] {
    return this.targets()
      .filter((target) => target === dir || target.startsWith(dir + "/"))
      .sort((a, b) => b.length - a.length);
  }

  targets(): string[] {
    return [...this.held.keys()];
  }
}

/**
 * A runner that runs `chroot ROOT COMMAND ARGS…` as `COMMAND ARGS…` on the
 * host, in ROOT, with `/tmp/…` arguments moved under ROOT; other commands
 * run as given.
 */
function chrootOnHostRunner(inner: CommandRunner, commands: string[][]): CommandRunner {
  const translate = (file: string, args: string[]): [string, string[], string | undefined] => {
    const [root, command, ...rest] = args;
    if (file !== "chroot" || root === undefined || command === undefined) {
      return [file, args, undefined];
    }
    const inRoot = (arg: string) => (arg.startsWith("/tmp/") ? path.join(root, arg) : arg);
    return [inRoot(command), rest.map(inRoot), root];
  };
  return {
    run(file, args, runOptions: RunOptions) {
      commands.push([file, ...args]);
      const [command, commandArgs, root] = translate(file, args);
      return inner.run(command, commandArgs, { ...runOptions, cwd: root ?? runOptions.cwd });
    },
    capture(file, args, runOptions = {}) {
      commands.push([file, ...args]);
      const [command, commandArgs, root] = translate(file, args);
      return inner.capture(command, commandArgs, { ...runOptions, cwd: root ?? runOptions.cwd });
    },
  };
}

/** A sparse image file and one directory per planned mount. */
function fakeBlockDevices(plan: BlockDevicePlan, imageDir: string | undefined): BlockDeviceState {
  const loop = plan.nodes.find((node) => node.kind === "local_loop");
  const loopName = loop?.name ?? "image0";
  const imageFile = loop?.kind === "local_loop" ? loop.image : undefined;
  if (!imageFile && !imageDir) throw new Error("fake host: no image directory for the image file");
  const imagePath = imageFile ?? path.join(imageDir ?? "", `${loopName}.raw`);
  fs.mkdirSync(path.dirname(imagePath), { recursive: true });
  fs.writeFileSync(imagePath, "");
  fs.truncateSync(imagePath, FAKE_IMAGE_BYTES);
  const mountPoints: MountedState[] = plan.mountOrder.flatMap((mount) =>
    mount.path
      ? [
          {
            mountPoint: mount.mountPoint,
            path: mount.path,
            node: mount.node,
            filesystem: mount.filesystem,
            fsType: mount.fsType,
            device: `/dev/fake-${mount.filesystem}`,
          },
        ]
      : [],
  );
  const device = "/dev/fake-loop0";
  return {
    devices: { [loopName]: device },
    imagePath,
    imageBlockDevice: device,
    imageBlockDevices: ` [${loopName}]=${device} `,
    fstab: formatFstab(plan),
    mountPoints,
    rootPath: mountPoints.find((mounted) => mounted.mountPoint === "/")?.path,
    loops: [],
    filesystems: {},
    partitionedLoops: [],
  };
}

/** Release the fake mounts under the build's dirs and, unless `keep`, remove the dirs. */
function fakeTeardown(
  mounts: FakeMounts,
  dirs: BuildDirs,
  keep: boolean,
  mountsLeft: string[],
  logger: Logger,
): TeardownReport {
  for (const target of mountsLeft) mounts.remove(target);
  const removed = keep ? [] : [dirs.buildDir, dirs.imageDir];
  for (const dir of removed) fs.rmSync(dir, { recursive: true, force: true });
  if (mountsLeft.length) logger.debug("fake teardown released mounts", { mountsLeft });
  return { killed: [], unmounted: mountsLeft, lazy: [], detached: [], removed, errors: [] };
}
