/**
 * Plan the block-device layer from its YAML config without touching any
 * device: the graph DIB would build, its call order, the mount order, the
 * fstab lines and (when the image size is known) the partition layout.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@kiln/contracts/logger";
import { silentLogger } from "@kiln/contracts/logger";
import {
  convertConfigTree,
  mergeRootFsParams,
  toDibGraphJson,
  type RootFsParams,
} from "./convert-config-tree.ts";
import { createNodes } from "./create-nodes.ts";
import { BlockDeviceConfigError } from "./errors.ts";
import {
  layoutGpt,
  layoutMbr,
  sgdiskCommand,
  type GptLayout,
  type MbrLayout,
} from "./layout-partitions.ts";
import { loadConfigYaml } from "./load-config-yaml.ts";
import { mountPath } from "./node-commands.ts";
import { orderNodes } from "./order-nodes.ts";
import type { MountEntry, MountSortMode } from "./sort-mount-points.ts";
import type {
  BlockDeviceNode,
  FstabNode,
  LocalLoopNode,
  MkfsNode,
  PartitionNode,
  PartitionTable,
} from "./types.ts";

/** d-i-c's block-device parameters (`params.yaml`, spec §5.8), camel-cased. */
export interface BlockDeviceParams extends RootFsParams {
  /** `image-size`: default local_loop size, e.g. `"149760KiB"`. */
  imageSize?: string;
  /** `image-dir`: default directory of `<name>.raw` images. */
  imageDir?: string;
  /** `mount-base`: where the image's filesystems are mounted on the host. */
  mountBase?: string;
}

export interface PlanBlockDeviceOptions {
  /** The config's YAML text (tree or graph form). */
  config: string;
  /** Where the text came from (file path, `DIB_BLOCK_DEVICE_CONFIG`), for messages. */
  source?: string;
  /** d-i-c parameters; without `imageSize` (and no `size` in the config) no layout is computed. */
  params?: BlockDeviceParams;
  /** Build environment; only `DIB_BLOCK_SIZE` is read. */
  env?: Record<string, string | undefined>;
  /** Mount chain order: `"sorted"` (spec, default) or `"dib-3.13"` (Debian's DIB). */
  mountSort?: MountSortMode;
  /** UUIDs for mkfs nodes without one (default crypto.randomUUID). */
  randomUuid?: () => string;
  logger?: Logger;
}

export interface MountPlan {
  /** Effective mount point: as configured, `none` for swap. */
  mountPoint: string;
  node: string;
  filesystem: string;
  fsType: string;
  label: string;
  /** Host path under `mountBase` (absent for swap or without `mountBase`). */
  path?: string;
}

export interface FstabEntry {
  /** `LABEL=<label>` (DIB always has a label). */
  spec: string;
  mountPoint: string;
  fsType: string;
  options: string;
  dumpFreq: string;
  fsckPassno: string;
  /** The whole line, newline-free: `LABEL=cloudimg-rootfs / ext4 defaults 0 1`. */
  line: string;
}

export interface TablePlan extends PartitionTable {
  /** Present when the disk's size is known. */
  layout?: MbrLayout | GptLayout;
  /** GPT: the sgdisk argv DIB would run (target = the image file). */
  sgdisk?: string[];
}

export interface BlockDevicePlan {
  /** The converted, root-fs-merged config as DIB writes `config.json`. */
  graphConfig: Record<string, unknown>[];
  /** Nodes in graph insertion order. */
  nodes: BlockDeviceNode[];
  /** Node names in create order. */
  callOrder: string[];
  edges: [string, string][];
  sortedMountPoints: MountEntry[];
  /** Mounts in mount order (= fstab order; umount runs it reversed). */
  mountOrder: MountPlan[];
  fstab: FstabEntry[];
  tables: TablePlan[];
  /** What `dib-block-device getval` would print for the config-only symbols. */
  getval: { rootLabel?: string; rootFsType?: string; bootLabel: string; mountPoints: string };
  /** Non-fatal findings (unknown keys, LVM not executable yet, …). */
  warnings: string[];
}

/** Which node kinds may be the base of which. */
const ALLOWED_BASES: Partial<Record<BlockDeviceNode["kind"], BlockDeviceNode["kind"][]>> = {
  partition: ["local_loop"],
  pv: ["partition", "local_loop"],
  mkfs: ["partition", "lv", "local_loop"],
  mount: ["mkfs"],
};

export function planBlockDevice(options: PlanBlockDeviceOptions): BlockDevicePlan {
  const { source } = options;
  const params = options.params ?? {};
  const logger = options.logger ?? silentLogger;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    logger.warn(`block-device config: ${m}`, source ? { source } : undefined);
  };

  const loaded = loadConfigYaml(options.config, source);
  const entries = convertConfigTree(loaded, source);
  mergeRootFsParams(entries, params);
  const graphConfig = toDibGraphJson(entries);
  const blockSize = options.env?.DIB_BLOCK_SIZE;
  const { nodes, tables } = createNodes(entries, {
    ...(params.imageSize !== undefined ? { imageSize: params.imageSize } : {}),
    ...(params.imageDir !== undefined ? { imageDir: params.imageDir } : {}),
    ...(blockSize ? { blockSizeOverride: blockSize } : {}),
    randomUuid: options.randomUuid ?? randomUUID,
    warn,
    ...(source !== undefined ? { source } : {}),
  });
  const { callOrder, edges, sortedMountPoints } = orderNodes(
    nodes,
    options.mountSort ?? "sorted",
    source,
  );
  const byName = new Map(nodes.map((n) => [n.name, n]));
  checkBases(nodes, byName, warn, source);
  if (!nodes.some((n) => n.kind === "local_loop" && n.name === "image0")) {
    warn("no local_loop node is named 'image0'; d-i-c looks the image up by that name");
  }
  if (nodes.some((n) => n.kind === "lvm")) {
    warn("lvm is parsed and ordered, but creating LVM volumes is not implemented yet");
  }

  const mountOrder: MountPlan[] = [];
  for (const name of callOrder) {
    const m = byName.get(name);
    if (m?.kind !== "mount") continue;
    const fs = byName.get(m.base) as MkfsNode;
    const swap = fs.fsType === "swap";
    const mp = swap ? "none" : m.mountPoint;
    mountOrder.push({
      mountPoint: mp,
      node: m.name,
      filesystem: fs.name,
      fsType: fs.fsType,
      label: fs.label,
      ...(!swap && params.mountBase ? { path: mountPath(params.mountBase, mp) } : {}),
    });
  }
  // DIB keys fstab state by the mount node; a later fstab node for the same mount wins.
  const fstabByMount = new Map<string, FstabNode>();
  for (const name of callOrder) {
    const f = byName.get(name);
    if (f?.kind === "fstab") fstabByMount.set(f.base, f);
  }
  const fstab: FstabEntry[] = [];
  for (const m of mountOrder) {
    const f = fstabByMount.get(m.node);
    if (!f) continue;
    const swap = m.fsType === "swap";
    const entry = {
      spec: `LABEL=${m.label}`,
      mountPoint: m.mountPoint,
      fsType: m.fsType,
      options: swap ? "sw" : f.options,
      dumpFreq: swap ? "0" : String(f.dumpFreq),
      fsckPassno: swap ? "0" : String(f.fsckPassno),
    };
    const line = [
      entry.spec,
      m.mountPoint,
      m.fsType,
      entry.options,
      entry.dumpFreq,
      entry.fsckPassno,
    ];
    fstab.push({ ...entry, line: line.join(" ") });
  }

  const tablePlans = tables.map((t) => planTable(t, byName, warn, source));
  return {
    graphConfig,
    nodes,
    callOrder,
    edges,
    sortedMountPoints,
    mountOrder,
    fstab,
    tables: tablePlans,
    getval: getvalSymbols(graphConfig),
    warnings,
  };
}

/** The fstab file DIB's `writefstab` would write. */
export function formatFstab(plan: Pick<BlockDevicePlan, "fstab">): string {
  return plan.fstab.map((e) => `${e.line}\n`).join("");
}

function checkBases(
  nodes: BlockDeviceNode[],
  byName: Map<string, BlockDeviceNode>,
  warn: (m: string) => void,
  source?: string,
): void {
  for (const node of nodes) {
    if (node.kind === "fstab") {
      if (byName.get(node.base)?.kind !== "mount") {
        warn(
          `node '${node.name}': fstab.base '${node.base}' is not a mount node; no line is written`,
        );
      }
      continue;
    }
    const allowed = ALLOWED_BASES[node.kind];
    if (!allowed || !("base" in node)) continue;
    const base = byName.get(node.base);
    if (base && !allowed.includes(base.kind)) {
      const at = node.line ? ` (line ${node.line})` : "";
      const field = node.kind === "partition" ? "partitioning.base" : `${node.kind}.base`;
      throw new BlockDeviceConfigError(
        `node '${node.name}'${at}: ${field} '${node.base}' is a ${base.kind} node; ` +
          `it must be ${allowed.join(" or ")}`,
        { source },
      );
    }
  }
}

function planTable(
  table: PartitionTable,
  byName: Map<string, BlockDeviceNode>,
  warn: (m: string) => void,
  source?: string,
): TablePlan {
  const disk = byName.get(table.base) as LocalLoopNode;
  const parts = table.partitions.map((n) => byName.get(n) as PartitionNode);
  if (disk.size === undefined) return { ...table };
  const inputs = parts.map((p) => ({
    name: p.name,
    size: p.size,
    boot: p.boot,
    primary: p.primary,
    type: p.type,
  }));
  try {
    if (table.label === "mbr") {
      if (disk.blockSize !== 512) {
        warn(
          `table '${table.name}': the MBR writer assumes 512-byte sectors, '${disk.name}' has ${disk.blockSize}`,
        );
      }
      const layout = layoutMbr({
        diskSize: disk.size,
        align: table.align,
        partitions: inputs,
        disk: disk.name,
      });
      return { ...table, layout };
    }
    const layout = layoutGpt({ diskSize: disk.size, partitions: inputs, disk: disk.name });
    return { ...table, layout, sgdisk: sgdiskCommand(layout, disk.image ?? `${disk.name}.raw`) };
  } catch (err) {
    if (err instanceof BlockDeviceConfigError && source) {
      throw new BlockDeviceConfigError(err.detail, { source, cause: err });
    }
    throw err;
  }
}

function getvalSymbols(graph: Record<string, unknown>[]): BlockDevicePlan["getval"] {
  const of = (plugin: string) =>
    graph.flatMap((e) => (plugin in e ? [e[plugin] as Record<string, unknown>] : []));
  const mounts = of("mount");
  const mkfsFor = (mp: string) => {
    const m = mounts.find((x) => x.mount_point === mp);
    return m ? of("mkfs").find((f) => f.name === m.base) : undefined;
  };
  const root = mkfsFor("/");
  const boot = mkfsFor("/boot");
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const rootLabel = str(root?.label);
  const rootFsType = str(root?.type);
  return {
    ...(rootLabel !== undefined ? { rootLabel } : {}),
    ...(rootFsType !== undefined ? { rootFsType } : {}),
    bootLabel: str(boot?.label) ?? str(boot?.name) ?? "",
    mountPoints: mounts.map((m) => String(m.mount_point)).join("|"),
  };
}
