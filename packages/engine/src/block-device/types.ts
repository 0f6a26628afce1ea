/**
 * The block-device graph's nodes (spec §5.2-5.3): what each plugin entry
 * turns into, with the edges DIB's `get_edges()` would return.
 */
import type { TMkfsType } from "./schemas.ts";

interface NodeCommon {
  /** Unique node name (graph key). */
  name: string;
  /** Source line of the config entry the node came from, when known. */
  line?: number;
  /** Nodes that must be created before this one (DIB `edges_from`). */
  edgesFrom: string[];
  /** Nodes that must be created after this one (DIB `edges_to`). */
  edgesTo: string[];
}

/** `local_loop`: a sparse image file attached to a loop device. */
export interface LocalLoopNode extends NodeCommon {
  kind: "local_loop";
  /** Image size in bytes, when the config or the `imageSize` parameter gives one. */
  size?: number;
  /** Image directory, when the config or the `imageDir` parameter gives one. */
  directory?: string;
  /** `<directory>/<name>.raw`, when the directory is known. */
  image?: string;
  /** Logical sector size for `losetup --sector-size`. */
  blockSize: number;
}

/** One partition of a `partitioning` table. */
export interface PartitionNode extends NodeCommon {
  kind: "partition";
  /** The disk (local_loop node) the table is on. */
  base: string;
  /** Name of the partitioning entry this partition belongs to. */
  table: string;
  label: "mbr" | "gpt";
  /** 0-based position in the table's `partitions` list. */
  index: number;
  boot: boolean;
  /** MBR only: primary rather than logical. */
  primary: boolean;
  /** Size spec as written (`"100%"`, `"8MiB"`). */
  size: string;
  /** MBR: numeric type byte; GPT: sgdisk type code string. */
  type: number | string;
}

export interface PvNode extends NodeCommon {
  kind: "pv";
  base: string;
  options: string[];
  lvm: string;
}
export interface VgNode extends NodeCommon {
  kind: "vg";
  pvs: string[];
  options: string[];
  lvm: string;
}
export interface LvNode extends NodeCommon {
  kind: "lv";
  vg: string;
  size?: string;
  extents?: string;
  options: string[];
  lvType?: "thin" | "thin-pool";
  thinPool?: string;
  lvm: string;
}
/** The LVM driver node: creates all PVs, VGs and LVs at once (not executed yet). */
export interface LvmNode extends NodeCommon {
  kind: "lvm";
  pvs: string[];
  vgs: string[];
  lvs: string[];
}

/** `mkfs`: a filesystem. */
export interface MkfsNode extends NodeCommon {
  kind: "mkfs";
  base: string;
  fsType: TMkfsType;
  /** Final label (defaulted to the node name, upper-cased for vfat/fat). */
  label: string;
  /** `opts` split as DIB splits it (`strip().split(' ')`), if given. */
  opts?: string[];
  uuid: string;
}

/** `mount`: a mount point in the image. */
export interface MountNode extends NodeCommon {
  kind: "mount";
  base: string;
  /** As configured; the chain order uses this. */
  mountPoint: string;
}

/** `fstab`: the fstab fields for a mount. */
export interface FstabNode extends NodeCommon {
  kind: "fstab";
  base: string;
  options: string;
  dumpFreq: number | string;
  fsckPassno: number | string;
}

export type BlockDeviceNode =
  | LocalLoopNode
  | PartitionNode
  | PvNode
  | VgNode
  | LvNode
  | LvmNode
  | MkfsNode
  | MountNode
  | FstabNode;

/** A `partitioning` entry: one table, not itself a node. */
export interface PartitionTable {
  name: string;
  /** The disk (local_loop node). */
  base: string;
  label: "mbr" | "gpt";
  /** MBR alignment in bytes (default 1 MiB). */
  align: number;
  /** Partition node names in table order. */
  partitions: string[];
}
