/**
 * Execute a block-device plan on the host (DIB `dib-block-device create`,
 * spec §5.3-5.4) with loop devices and `partx`, never device-mapper:
 * sparse image + `losetup -P`, the partition table (Kiln's byte-exact MBR
 * writer or sgdisk), `partx -u`, mkfs, mounts. A FAT filesystem the kernel
 * cannot mount is staged instead (stage-vfat.ts). On failure everything done
 * so far is undone, newest first, before the error is thrown.
 */
import fs from "node:fs";
import path from "node:path";
import {
  formatFstab,
  type BlockDevicePlan,
  type TablePlan,
} from "../../block-device/plan-block-device.ts";
import { mkfsCommand } from "../../block-device/node-commands.ts";
import { renderMbr } from "../../block-device/write-mbr.ts";
import { sgdiskCommand } from "../../block-device/layout-partitions.ts";
import type {
  BlockDeviceNode,
  LocalLoopNode,
  MkfsNode,
  PartitionNode,
} from "../../block-device/types.ts";
import { KilnError } from "@kiln/contracts/errors";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { CommandCancelledError, HostCommandError } from "../host/errors.ts";
import { attachLoop, detachLoop } from "../host/loop-devices.ts";
import type { MountOptions, MountTracker } from "../host/mounts.ts";
import { DEFAULT_HOST_ENV, formatCommandLine } from "../host/run-command.ts";
import type { CommandRunner } from "../host/types.ts";
import { checkMtools, planStagedMounts, stagingMountOptions } from "./stage-vfat.ts";
import type { BlockDeviceState } from "./types.ts";

export interface CreateBlockDevicesOptions {
  /** From `planBlockDevice` with `imageSize`, `imageDir` and `mountBase` given. */
  plan: BlockDevicePlan;
  runner: CommandRunner;
  /** Records the mounts, so the build's teardown knows them too. */
  tracker: MountTracker;
  logger?: Logger;
  /** Abort between and during commands; what was made is still undone. */
  signal?: AbortSignal;
  /** Environment of the host tools (default PATH + LC_ALL=C). */
  env?: Record<string, string>;
  /** How long to wait for `/dev/loopNpK` nodes after `partx -u` (default 10 s). */
  partitionTimeoutMs?: number;
  /** MBR disk signature (default random, as DIB); for reproducible tests. */
  mbrDiskId?: number;
  /**
   * The text of the host's `/proc/filesystems` (default: read it). A FAT
   * filesystem is staged instead of mounted when it lists no vfat.
   */
  procFilesystems?: string;
}

/**
 * Thrown when creating the block devices fails: names the node and the
 * command. Code `HOST`, or `CANCELLED` when the signal fired.
 */
export class BlockDeviceCreateError extends KilnError {
  constructor(
    readonly node: string,
    readonly command: string | undefined,
    detail: string,
    options: { cause?: unknown; cancelled?: boolean },
  ) {
    super(
      options.cancelled ? "CANCELLED" : "HOST",
      `block device node '${node}': ${command ? `\`${command}\`: ` : ""}${detail}`,
      options,
    );
  }
}

type Undo = { what: string; run: () => Promise<void> };

type TableLayout = NonNullable<TablePlan["layout"]>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Create, partition, format and mount everything the plan describes, in call order. */
export async function createBlockDevices(
  options: CreateBlockDevicesOptions,
): Promise<BlockDeviceState> {
  const { plan } = options;
  checkPlanExecutable(plan);
  const env = options.env ?? DEFAULT_HOST_ENV;
  const staged = planStagedMounts(
    plan.mountOrder,
    options.procFilesystems ?? readProcFilesystems(),
  );
  if (staged.size > 0) await checkMtools(options.runner, env);
  const run = new BlockDeviceRun(options, env, staged);
  await run.createAll();
  return run.finishedState();
}

/** Refuse what this executor cannot make before anything is made (LVM, a plan without sizes or paths). */
function checkPlanExecutable(plan: BlockDevicePlan): void {
  const fail = (detail: string): never => {
    throw new KilnError("BLOCK_DEVICE_CONFIG", `block-device config: ${detail}`);
  };
  const lvm = plan.nodes.find((node) => node.kind === "lvm" || node.kind === "pv");
  if (lvm) fail(`node '${lvm.name}': LVM is not supported yet; use a config without lvm`);
  for (const node of plan.nodes) {
    if (node.kind !== "local_loop") continue;
    if (node.size === undefined || node.image === undefined) {
      const missing = node.size === undefined ? "size (imageSize)" : "directory (imageDir)";
      fail(`local_loop '${node.name}' has no ${missing}; plan with it set`);
    }
  }
  for (const mount of plan.mountOrder) {
    if (mount.fsType !== "swap" && mount.path === undefined) {
      fail(`mount '${mount.node}' has no host path; plan with mountBase set`);
    }
  }
}

/**
 * One execution of a plan: the state built so far, the undo steps for a
 * rollback, and the node and command in progress for the error message.
 */
class BlockDeviceRun {
  private readonly state: BlockDeviceState = {
    devices: {},
    imagePath: "",
    imageBlockDevice: "",
    imageBlockDevices: "",
    fstab: "",
    mountPoints: [],
    loops: [],
    filesystems: {},
    partitionedLoops: [],
  };
  private readonly undo: Undo[] = [];
  private readonly tablesDone = new Set<string>();
  private readonly logger: Logger;
  private currentNode = "";
  private currentCommand: string | undefined;

  constructor(
    private readonly options: CreateBlockDevicesOptions,
    private readonly env: Record<string, string>,
    /** Mount nodes whose FAT filesystem is staged on a tmpfs instead of mounted. */
    private readonly staged: ReadonlySet<string>,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Every node in call order; on failure, roll back and throw `BlockDeviceCreateError`. */
  async createAll(): Promise<void> {
    const { plan, signal } = this.options;
    const byName = new Map(plan.nodes.map((node) => [node.name, node]));
    try {
      for (const name of plan.callOrder) {
        this.currentNode = name;
        if (signal?.aborted) throw new CommandCancelledError(`block device node ${name}`);
        const node = byName.get(name);
        if (node) await this.createNode(node);
      }
    } catch (err) {
      this.logger.error("Create failed; rollback initiated", { node: this.currentNode });
      await rollback(this.undo, this.logger);
      this.logger.info("Rollback complete");
      throw this.createError(err);
    }
  }

  private async createNode(node: BlockDeviceNode): Promise<void> {
    switch (node.kind) {
      case "local_loop":
        return this.createLoop(node);
      case "partition":
        return this.createPartition(node);
      case "mkfs":
        return this.createFilesystem(node);
      case "mount":
        return this.mountFilesystem(node.name);
      default:
        // fstab nodes only contribute to the fstab text.
        return;
    }
  }

  private createError(err: unknown): BlockDeviceCreateError {
    const cancelled = err instanceof CommandCancelledError || Boolean(this.options.signal?.aborted);
    const command = err instanceof HostCommandError ? err.commandLine : this.currentCommand;
    let detail = err instanceof Error ? err.message : String(err);
    // HostCommandError's message starts with the command line; do not say it twice.
    if (command && detail.startsWith(`\`${command}\` `)) detail = detail.slice(command.length + 3);
    return new BlockDeviceCreateError(this.currentNode, command, detail, { cause: err, cancelled });
  }

  /** The state with the `getval` values and the fstab filled in. */
  finishedState(): BlockDeviceState {
    const { state } = this;
    const image0 = state.loops.find((loop) => loop.name === "image0") ?? state.loops[0];
    state.imagePath = image0?.image ?? "";
    state.imageBlockDevice = image0?.device ?? "";
    state.imageBlockDevices = Object.entries(state.devices)
      .map(([name, device]) => ` [${name}]=${device} `)
      .join("");
    state.fstab = formatFstab(this.options.plan);
    const root = state.mountPoints.find((mounted) => mounted.mountPoint === "/");
    if (root) state.rootPath = root.path;
    return state;
  }

  /** Run a command that must succeed, remembering it for the error message. */
  private async exec(file: string, args: string[]): Promise<string> {
    this.currentCommand = formatCommandLine(file, args);
    this.logger.info(`Calling [${this.currentCommand}]`);
    const { signal } = this.options;
    const out = await this.options.runner.capture(file, args, {
      env: this.env,
      ...(signal ? { signal } : {}),
    });
    this.currentCommand = undefined;
    return out;
  }

  private async createLoop(node: LocalLoopNode): Promise<void> {
    const { runner } = this.options;
    const { logger, env } = this;
    // checkPlanExecutable made sure both are set.
    const image = node.image ?? "";
    fs.mkdirSync(path.dirname(image), { recursive: true });
    // Sparse: only what mkfs and the copy write takes space.
    const fd = fs.openSync(image, "w");
    try {
      fs.ftruncateSync(fd, node.size ?? 0);
    } finally {
      fs.closeSync(fd);
    }
    this.undo.push({ what: `remove ${image}`, run: async () => fs.rmSync(image, { force: true }) });
    let device: string;
    if (node.blockSize === 512) {
      this.currentCommand = `losetup -P --show -f ${image}`;
      device = (await attachLoop(image, { runner, logger, env })).device;
      this.currentCommand = undefined;
    } else {
      // attachLoop has no sector-size option; DIB passes --sector-size for 4k disks.
      const args = ["--sector-size", String(node.blockSize), "-P", "--show", "-f", image];
      device = (await this.exec("losetup", args)).trim();
    }
    this.undo.push({
      what: `detach ${device}`,
      run: () => detachLoop(device, { runner, logger, env }),
    });
    this.state.loops.push({ name: node.name, image, device });
    this.state.devices[node.name] = device;
  }

  /** The partition's device, writing its table first if this is the table's first partition. */
  private async createPartition(node: PartitionNode): Promise<void> {
    const table = this.options.plan.tables.find((candidate) => candidate.name === node.table);
    const loop = this.state.devices[node.base];
    if (!table?.layout || !loop) {
      throw new KilnError("BLOCK_DEVICE_CONFIG", `partition '${node.name}': no layout or disk`);
    }
    if (!this.tablesDone.has(table.name)) {
      this.tablesDone.add(table.name);
      await this.writeTable(table.layout, loop);
    }
    const number = table.layout.partitions.find((part) => part.name === node.name)?.number;
    const device = `${loop}p${number}`;
    await waitForBlockDevice(device, this.options.partitionTimeoutMs ?? 10_000);
    this.state.devices[node.name] = device;
  }

  /** Write a partition table to the loop device and have the kernel read it (`partx -u`). */
  private async writeTable(layout: TableLayout, loop: string): Promise<void> {
    if (layout.label === "mbr") {
      this.currentCommand = `write MBR to ${loop}`;
      writeMbrTo(loop, renderMbr(layout, this.options.mbrDiskId));
      this.currentCommand = undefined;
    } else {
      // Through the loop device (DIB targets the file) so the kernel's view stays current.
      const [file = "sgdisk", ...args] = sgdiskCommand(layout, loop);
      await this.exec(file, args);
    }
    await this.exec("sync", []);
    this.state.partitionedLoops.push(loop);
    const { runner } = this.options;
    this.undo.push({
      what: `partx -d ${loop}`,
      run: async () => void (await runner.run("partx", ["-d", loop], { env: this.env })),
    });
    await this.exec("partx", ["-u", loop]);
  }

  private async createFilesystem(node: MkfsNode): Promise<void> {
    const device = this.state.devices[node.base];
    if (!device) throw new KilnError("HOST", `mkfs '${node.name}': no device for '${node.base}'`);
    const [file = "mkfs", ...args] = mkfsCommand(node, device);
    await this.exec(file, args);
    const { name, fsType, label, uuid } = node;
    this.state.filesystems[node.name] = { name, fsType, label, uuid, device };
  }

  private async mountFilesystem(name: string): Promise<void> {
    const mount = this.options.plan.mountOrder.find((planned) => planned.node === name);
    if (!mount || mount.fsType === "swap" || mount.path === undefined) return;
    const filesystem = this.state.filesystems[mount.filesystem];
    if (!filesystem) {
      throw new KilnError("HOST", `mount '${name}': '${mount.filesystem}' was not made`);
    }
    // DIB's path for `/` ends in a slash (`mnt/`); the kernel and the tracker use `mnt`.
    const target = path.resolve(mount.path);
    fs.mkdirSync(target, { recursive: true });
    const stage = this.staged.has(name);
    const mountOptions: MountOptions = { source: filesystem.device, target };
    if (stage) {
      this.logger.warn(
        `vfat is not available in this kernel: staging ${mount.mountPoint} and copying it in with mtools at unmount`,
        { device: filesystem.device, target },
      );
      mountOptions.fstype = "tmpfs";
      mountOptions.options = stagingMountOptions(filesystem.device);
    }
    const flags = stage ? ["-t", "tmpfs", "-o", (mountOptions.options ?? []).join(",")] : [];
    this.currentCommand = formatCommandLine("mount", [...flags, filesystem.device, target]);
    this.logger.info(`Calling [${this.currentCommand}]`);
    const { tracker } = this.options;
    await tracker.mount(mountOptions);
    this.currentCommand = undefined;
    this.undo.push({ what: `umount ${target}`, run: () => tracker.unmount(target) });
    this.state.mountPoints.push({
      mountPoint: mount.mountPoint,
      path: target,
      node: name,
      filesystem: mount.filesystem,
      fsType: mount.fsType,
      device: filesystem.device,
      ...(stage ? { staged: true as const } : {}),
    });
  }
}

/** Kiln's byte-exact MBR, written straight to the device and flushed. */
function writeMbrTo(device: string, writes: ReturnType<typeof renderMbr>): void {
  const fd = fs.openSync(device, "r+");
  try {
    for (const write of writes) fs.writeSync(fd, write.bytes, 0, write.bytes.length, write.offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readProcFilesystems(): string {
  try {
    return fs.readFileSync("/proc/filesystems", "utf8");
  } catch {
    // Without the list, staging is the choice that still works.
    return "";
  }
}

async function waitForBlockDevice(device: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (fs.statSync(device).isBlockDevice()) return;
    } catch {
      // not there yet
    }
    if (Date.now() >= deadline) {
      throw new KilnError("HOST", `${device} did not appear within ${timeoutMs} ms after partx -u`);
    }
    await sleep(50);
  }
}

/** Undo newest first; every step runs even if an earlier one failed. */
async function rollback(undo: Undo[], logger: Logger): Promise<void> {
  for (const u of [...undo].reverse()) {
    try {
      await u.run();
    } catch (err) {
      logger.warn(`rollback: ${u.what} failed`, {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
