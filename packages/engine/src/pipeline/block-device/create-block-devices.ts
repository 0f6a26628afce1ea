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
import { formatFstab, type BlockDevicePlan } from "../../block-device/plan-block-device.ts";
import { mkfsCommand } from "../../block-device/node-commands.ts";
import { renderMbr } from "../../block-device/write-mbr.ts";
import { sgdiskCommand } from "../../block-device/layout-partitions.ts";
import type { LocalLoopNode, MkfsNode, PartitionNode } from "../../block-device/types.ts";
import { KilnError } from "../../errors.ts";
import { silentLogger, type Logger } from "../../logger.ts";
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Create, partition, format and mount everything the plan describes, in call order. */
export async function createBlockDevices(o: CreateBlockDevicesOptions): Promise<BlockDeviceState> {
  const { plan, runner, tracker } = o;
  const logger = o.logger ?? silentLogger;
  const env = o.env ?? DEFAULT_HOST_ENV;
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));

  const lvm = plan.nodes.find((n) => n.kind === "lvm" || n.kind === "pv");
  if (lvm) {
    throw new KilnError(
      "BLOCK_DEVICE_CONFIG",
      `block-device config: node '${lvm.name}': LVM is not supported yet; use a config without lvm`,
    );
  }
  for (const n of plan.nodes) {
    if (n.kind !== "local_loop") continue;
    if (n.size === undefined || n.image === undefined) {
      const missing = n.size === undefined ? "size (imageSize)" : "directory (imageDir)";
      throw new KilnError(
        "BLOCK_DEVICE_CONFIG",
        `block-device config: local_loop '${n.name}' has no ${missing}; plan with it set`,
      );
    }
  }
  for (const m of plan.mountOrder) {
    if (m.fsType !== "swap" && m.path === undefined) {
      throw new KilnError(
        "BLOCK_DEVICE_CONFIG",
        `block-device config: mount '${m.node}' has no host path; plan with mountBase set`,
      );
    }
  }

  const staged = planStagedMounts(plan.mountOrder, o.procFilesystems ?? readProcFilesystems());
  if (staged.size > 0) await checkMtools(runner, env);

  const state: BlockDeviceState = {
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
  const undo: Undo[] = [];
  const tablesDone = new Set<string>();
  let current = "";
  let command: string | undefined;

  /** Run a command that must succeed, remembering it for the error message. */
  const exec = async (file: string, args: string[]): Promise<string> => {
    command = formatCommandLine(file, args);
    logger.info(`Calling [${command}]`);
    const out = await runner.capture(file, args, {
      env,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    command = undefined;
    return out;
  };

  try {
    for (const name of plan.callOrder) {
      current = name;
      if (o.signal?.aborted) throw new CommandCancelledError(`block device node ${name}`);
      const node = byName.get(name);
      if (!node) continue;
      switch (node.kind) {
        case "local_loop":
          await createLoop(node);
          break;
        case "partition":
          await createTable(node);
          break;
        case "mkfs":
          await createFilesystem(node);
          break;
        case "mount":
          await mountFilesystem(name);
          break;
        default:
          // fstab nodes only contribute to the fstab text.
          break;
      }
    }
  } catch (err) {
    logger.error("Create failed; rollback initiated", { node: current });
    await rollback(undo, logger);
    logger.info("Rollback complete");
    const cancelled = err instanceof CommandCancelledError || Boolean(o.signal?.aborted);
    const cmd = err instanceof HostCommandError ? err.commandLine : command;
    let detail = err instanceof Error ? err.message : String(err);
    // HostCommandError's message starts with the command line; do not say it twice.
    if (cmd && detail.startsWith(`\`${cmd}\` `)) detail = detail.slice(cmd.length + 3);
    throw new BlockDeviceCreateError(current, cmd, detail, { cause: err, cancelled });
  }

  const image0 = state.loops.find((l) => l.name === "image0") ?? state.loops[0];
  state.imagePath = image0?.image ?? "";
  state.imageBlockDevice = image0?.device ?? "";
  state.imageBlockDevices = Object.entries(state.devices)
    .map(([n, d]) => ` [${n}]=${d} `)
    .join("");
  state.fstab = formatFstab(plan);
  const root = state.mountPoints.find((m) => m.mountPoint === "/");
  if (root) state.rootPath = root.path;
  return state;

  async function createLoop(node: LocalLoopNode): Promise<void> {
    const image = node.image as string;
    fs.mkdirSync(path.dirname(image), { recursive: true });
    // Sparse: only what mkfs and the copy write takes space.
    const fd = fs.openSync(image, "w");
    try {
      fs.ftruncateSync(fd, node.size as number);
    } finally {
      fs.closeSync(fd);
    }
    undo.push({ what: `remove ${image}`, run: async () => fs.rmSync(image, { force: true }) });
    let device: string;
    if (node.blockSize === 512) {
      command = `losetup -P --show -f ${image}`;
      device = (await attachLoop(image, { runner, logger, env })).device;
      command = undefined;
    } else {
      // attachLoop has no sector-size option; DIB passes --sector-size for 4k disks.
      const args = ["--sector-size", String(node.blockSize), "-P", "--show", "-f", image];
      device = (await exec("losetup", args)).trim();
    }
    undo.push({ what: `detach ${device}`, run: () => detachLoop(device, { runner, logger, env }) });
    state.loops.push({ name: node.name, image, device });
    state.devices[node.name] = device;
  }

  async function createTable(node: PartitionNode): Promise<void> {
    const table = plan.tables.find((t) => t.name === node.table);
    const loop = state.devices[node.base];
    if (!table?.layout || !loop) {
      throw new KilnError("BLOCK_DEVICE_CONFIG", `partition '${node.name}': no layout or disk`);
    }
    if (!tablesDone.has(table.name)) {
      tablesDone.add(table.name);
      if (table.layout.label === "mbr") {
        const writes = renderMbr(table.layout, o.mbrDiskId);
        command = `write MBR to ${loop}`;
        const fd = fs.openSync(loop, "r+");
        try {
          for (const w of writes) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        command = undefined;
      } else {
        // Through the loop device (DIB targets the file) so the kernel's view stays current.
        const [file, ...args] = sgdiskCommand(table.layout, loop);
        await exec(file as string, args);
      }
      await exec("sync", []);
      state.partitionedLoops.push(loop);
      undo.push({
        what: `partx -d ${loop}`,
        run: async () => void (await runner.run("partx", ["-d", loop], { env })),
      });
      await exec("partx", ["-u", loop]);
    }
    const number = table.layout.partitions.find((p) => p.name === node.name)?.number;
    const device = `${loop}p${number}`;
    await waitForBlockDevice(device, o.partitionTimeoutMs ?? 10_000);
    state.devices[node.name] = device;
  }

  async function createFilesystem(node: MkfsNode): Promise<void> {
    const device = state.devices[node.base];
    if (!device) throw new KilnError("HOST", `mkfs '${node.name}': no device for '${node.base}'`);
    const [file, ...args] = mkfsCommand(node, device);
    await exec(file as string, args);
    state.filesystems[node.name] = {
      name: node.name,
      fsType: node.fsType,
      label: node.label,
      uuid: node.uuid,
      device,
    };
  }

  async function mountFilesystem(name: string): Promise<void> {
    const m = plan.mountOrder.find((x) => x.node === name);
    if (!m || m.fsType === "swap" || m.path === undefined) return;
    const fsState = state.filesystems[m.filesystem];
    if (!fsState) throw new KilnError("HOST", `mount '${name}': '${m.filesystem}' was not made`);
    // DIB's path for `/` ends in a slash (`mnt/`); the kernel and the tracker use `mnt`.
    const target = path.resolve(m.path);
    fs.mkdirSync(target, { recursive: true });
    const stage = staged.has(name);
    const opts: MountOptions = { source: fsState.device, target };
    if (stage) {
      logger.warn(
        `vfat is not available in this kernel: staging ${m.mountPoint} and copying it in with mtools at unmount`,
        { device: fsState.device, target },
      );
      opts.fstype = "tmpfs";
      opts.options = stagingMountOptions(fsState.device);
    }
    const flags = stage ? ["-t", "tmpfs", "-o", (opts.options ?? []).join(",")] : [];
    command = formatCommandLine("mount", [...flags, fsState.device, target]);
    logger.info(`Calling [${command}]`);
    await tracker.mount(opts);
    command = undefined;
    undo.push({ what: `umount ${target}`, run: () => tracker.unmount(target) });
    state.mountPoints.push({
      mountPoint: m.mountPoint,
      path: target,
      node: name,
      filesystem: m.filesystem,
      fsType: m.fsType,
      device: fsState.device,
      ...(stage ? { staged: true as const } : {}),
    });
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
