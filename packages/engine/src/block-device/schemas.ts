/**
 * zod schemas for DIB's block-device config (spec §5.1-5.2). The per-plugin
 * option schemas describe the graph form (every entry has `name`, children
 * point at parents with `base`); the tree form nests plugin entries inside
 * their parents and is turned into the graph form by `convertConfigTree`.
 * Objects are loose: DIB ignores unknown keys, we warn about them instead.
 */
import { z } from "zod";
import { checkSizeSpec } from "./parse-size.ts";

const sizeMessage = 'must be a quoted size string like "100%", "8MiB" or "40G"';

/** A size spec string: absolute (`8MiB`) or relative (`40%`). */
export const ZSizeSpec = z.string({ error: sizeMessage }).superRefine((v, ctx) => {
  try {
    checkSizeSpec(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

/** An absolute size spec (no `%`). */
export const ZAbsSizeSpec = ZSizeSpec.refine((v) => !v.endsWith("%"), {
  message: "must be an absolute size (no %)",
});

const ZNodeName = z.string({ error: "must be a string" }).min(1, "must not be empty");
const ZBase = z.string({ error: "must be the name of another node" }).min(1, "must not be empty");
const ZOptionList = z.array(z.string(), { error: "must be a list of strings" });
const ZIntLike = z.union([z.number().int(), z.string().regex(/^\d+$/)], {
  error: "must be a whole number",
});

/** `local_loop`: the image file and its loop device (no base). */
export const ZLocalLoopOptions = z.looseObject({
  /** Node name; the image file is `<directory>/<name>.raw`. */
  name: ZNodeName,
  /** Image size; default: the `image-size` parameter. */
  size: ZAbsSizeSpec.optional(),
  /** Directory of the image file; default: the `image-dir` parameter. */
  directory: z.string().optional(),
  /** Logical sector size of the loop device (`DIB_BLOCK_SIZE` overrides); 512 or 4096. */
  block_size: ZIntLike.optional(),
});

/** Partition flags DIB knows. `primary` is MBR only. */
export const PARTITION_FLAGS = ["boot", "primary"] as const;

/** One entry of `partitioning.partitions`. */
export const ZPartitionOptions = z.looseObject({
  /** Node name of the partition; also its GPT partition name. */
  name: ZNodeName,
  /** Always the partitioning's base after tree conversion. */
  base: ZBase,
  /** `boot` (bootable / legacy BIOS bootable), `primary` (MBR primary, not logical). */
  flags: z
    .array(
      z.string().refine((f) => (PARTITION_FLAGS as readonly string[]).includes(f), {
        message: `unknown flag (use ${PARTITION_FLAGS.join(", ")})`,
      }),
      { error: "must be a list like [boot, primary]" },
    )
    .optional(),
  /** Absolute size or `%` of the space still free when this partition is laid out. */
  size: ZSizeSpec,
  /** MBR: hex string (`'0x83'`, default 0x83); GPT: sgdisk type code (`'EF00'`, default 8300). */
  type: z.union([z.string(), z.number()], { error: "must be a type code string" }).optional(),
});

/** `partitioning`: a partition table on `base`. The entry itself is not a graph node. */
export const ZPartitioningOptions = z.looseObject({
  /** Entry name (not a node); default `partitioning_<base>`. */
  name: ZNodeName,
  /** The loop device (local_loop node) the table is written to. */
  base: ZBase,
  /** Table type. */
  label: z.enum(["mbr", "gpt"], { error: "must be 'mbr' or 'gpt'" }),
  /** MBR partition alignment; default 1MiB (GPT uses sgdisk's own). */
  align: ZAbsSizeSpec.optional(),
  /** The partitions, in table order. */
  partitions: z.array(z.unknown(), { error: "must be a list" }).min(1, "must not be empty"),
});

/** Filesystem types Kiln can make (DIB only warns on others; we refuse them). */
export const MKFS_TYPES = ["ext2", "ext3", "ext4", "xfs", "vfat", "fat", "btrfs", "swap"] as const;
export type TMkfsType = (typeof MKFS_TYPES)[number];

/** `mkfs`: a filesystem on `base`. */
export const ZMkfsOptions = z.looseObject({
  name: ZNodeName,
  /** The partition, LV or loop device to format. */
  base: ZBase,
  /** Filesystem type; `mkfs_root` gets the `root-fs-type` parameter when missing. */
  type: z
    .string({ error: "is required" })
    .refine((t) => (MKFS_TYPES as readonly string[]).includes(t), {
      message: `is not supported (use ${MKFS_TYPES.join(", ")})`,
    }),
  /** Filesystem label; default the node name (upper-cased for vfat/fat). */
  label: z.string({ error: "must be a string" }).optional(),
  /** Extra mkfs arguments, split on single spaces. */
  opts: z.string({ error: "must be a string of mkfs arguments" }).optional(),
  /** Filesystem UUID; default a random one. */
  uuid: z.string({ error: "must be a string" }).optional(),
});

/** `mount`: where a filesystem is mounted in the image. */
export const ZMountOptions = z.looseObject({
  name: ZNodeName,
  /** The mkfs node. */
  base: ZBase,
  /** Absolute mount point in the image (`none` for swap). */
  mount_point: z.string({ error: "is required" }).min(1, "must not be empty"),
});

/** `fstab`: the /etc/fstab line for a mount. */
export const ZFstabOptions = z.looseObject({
  name: ZNodeName,
  /** The mount node. */
  base: ZBase,
  /** Mount options; default `defaults`. */
  options: z.string({ error: "must be a string like 'defaults'" }).optional(),
  /** Fifth fstab field; default 0. */
  "dump-freq": ZIntLike.optional(),
  /** Sixth fstab field; default 2. */
  "fsck-passno": ZIntLike.optional(),
});

const ZPv = z.looseObject({
  name: ZNodeName,
  /** The partition the PV is created on. */
  base: ZBase,
  options: ZOptionList.optional(),
});
const ZVg = z.looseObject({
  name: ZNodeName,
  /** PV names (a list). */
  base: z.array(z.string(), { error: "must be a list of pv names" }).min(1),
  options: ZOptionList.optional(),
});
const ZLv = z
  .looseObject({
    name: ZNodeName,
    /** The VG name. */
    base: ZBase,
    size: z.string({ error: "must be a string like 1800M" }).optional(),
    extents: z.string({ error: "must be a string like 23%VG" }).optional(),
    options: ZOptionList.optional(),
    type: z.enum(["thin", "thin-pool"], { error: "must be thin or thin-pool" }).optional(),
    "thin-pool": z.string().optional(),
  })
  .refine((lv) => lv.size !== undefined || lv.extents !== undefined, {
    message: "needs 'size' or 'extents'",
  });

/** `lvm`: PVs, VGs and LVs (parsed and ordered; execution is not implemented yet). */
export const ZLvmOptions = z.looseObject({
  name: ZNodeName,
  /** Ignored by DIB except to derive the default name. */
  base: z.unknown().optional(),
  pvs: z.array(ZPv, { error: "is required (a list)" }).min(1),
  vgs: z.array(ZVg, { error: "is required (a list)" }).min(1),
  lvs: z.array(ZLv, { error: "is required (a list)" }).min(1),
});

/** Option schema per plugin (graph form). */
export const PLUGIN_SCHEMAS = {
  local_loop: ZLocalLoopOptions,
  partitioning: ZPartitioningOptions,
  lvm: ZLvmOptions,
  mkfs: ZMkfsOptions,
  mount: ZMountOptions,
  fstab: ZFstabOptions,
} as const;

/** Graph form: a list of single-key entries, each `{plugin: options-with-name}`. */
export const ZBlockDeviceGraphConfig = z.array(
  z.union([
    z.strictObject({ local_loop: ZLocalLoopOptions }),
    z.strictObject({ partitioning: ZPartitioningOptions }),
    z.strictObject({ lvm: ZLvmOptions }),
    z.strictObject({ mkfs: ZMkfsOptions }),
    z.strictObject({ mount: ZMountOptions }),
    z.strictObject({ fstab: ZFstabOptions }),
  ]),
);
export type TBlockDeviceGraphConfig = z.infer<typeof ZBlockDeviceGraphConfig>;

/** Tree form: single-key entries whose option mappings may nest further plugin entries. */
export const ZBlockDeviceTreeConfig = z.array(
  z
    .partialRecord(
      z.enum(Object.keys(PLUGIN_SCHEMAS) as [string, ...string[]]),
      z.record(z.string(), z.unknown()),
    )
    .refine((e) => Object.keys(e).length === 1, { message: "exactly one plugin key per entry" }),
);
export type TBlockDeviceTreeConfig = z.infer<typeof ZBlockDeviceTreeConfig>;

export type TLocalLoopOptions = z.infer<typeof ZLocalLoopOptions>;
export type TPartitionOptions = z.infer<typeof ZPartitionOptions>;
export type TPartitioningOptions = z.infer<typeof ZPartitioningOptions>;
export type TMkfsOptions = z.infer<typeof ZMkfsOptions>;
export type TMountOptions = z.infer<typeof ZMountOptions>;
export type TFstabOptions = z.infer<typeof ZFstabOptions>;
export type TLvmOptions = z.infer<typeof ZLvmOptions>;

/** Keys a plugin's schema knows; others are reported as ignored. */
export function knownKeys(schema: z.ZodObject): Set<string> {
  return new Set(Object.keys(schema.shape));
}
