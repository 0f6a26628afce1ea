/**
 * Graph entries → nodes, with DIB's per-plugin validation done
 * through the zod schemas. Nodes come out in DIB's insertion order: entry by
 * entry, LVM as pvs + vgs + lvs + driver node. Errors name the node, the
 * field and the source line.
 */
import type { z } from "zod";
import type { GraphEntry, PluginName } from "./convert-config-tree.ts";
import { NodeBuilder } from "./node-builder.ts";
import {
  MKFS_TYPES,
  PLUGIN_SCHEMAS,
  ZPartitionOptions,
  type TFstabOptions,
  type TLocalLoopOptions,
  type TLvmOptions,
  type TMkfsOptions,
  type TMkfsType,
  type TMountOptions,
  type TPartitioningOptions,
} from "./schemas.ts";
import type { BlockDeviceNode, PartitionNode, PartitionTable } from "./types.ts";

/** Inputs node creation needs besides the entries. */
export interface CreateNodesOptions {
  /** `image-size` parameter: default size of local_loop images. */
  imageSize?: string;
  /** `image-dir` parameter: default directory of local_loop images. */
  imageDir?: string;
  /** `DIB_BLOCK_SIZE`: overrides every local_loop `block_size`. */
  blockSizeOverride?: string;
  /** UUID source for mkfs nodes without `uuid` (default crypto.randomUUID). */
  randomUuid: () => string;
  /** Where non-fatal findings go. */
  warn: (message: string) => void;
  /** File or variable the config came from, for messages. */
  source?: string;
}

/** DIB's maximum label lengths (longer is an error). */
const MAX_LABEL: Partial<Record<TMkfsType, number>> = {
  ext2: 16,
  ext3: 16,
  ext4: 16,
  xfs: 12,
  vfat: 11,
  fat: 11,
  swap: 16,
  btrfs: 255,
};

export interface CreatedNodes {
  nodes: BlockDeviceNode[];
  tables: PartitionTable[];
}

/** Creates the nodes of one graph entry on the builder. */
type CreateEntryNodes = (builder: NodeBuilder, entry: GraphEntry) => void;

/** Validate an entry's options with the plugin's schema, then create its nodes from the typed result. */
function forPlugin<S extends z.ZodObject>(
  schema: S,
  create: (builder: NodeBuilder, options: z.infer<S>, entry: GraphEntry) => void,
): CreateEntryNodes {
  return (builder, entry) => {
    const { options, plugin, line } = entry;
    create(builder, builder.check(schema, options, plugin, options.name, line), entry);
  };
}

/** One function per DIB plugin, as DIB has one class per plugin. */
const CREATE_BY_PLUGIN: Record<PluginName, CreateEntryNodes> = {
  local_loop: forPlugin(PLUGIN_SCHEMAS.local_loop, createLocalLoop),
  partitioning: forPlugin(PLUGIN_SCHEMAS.partitioning, createPartitioning),
  lvm: forPlugin(PLUGIN_SCHEMAS.lvm, createLvm),
  mkfs: forPlugin(PLUGIN_SCHEMAS.mkfs, createMkfs),
  mount: forPlugin(PLUGIN_SCHEMAS.mount, createMount),
  fstab: forPlugin(PLUGIN_SCHEMAS.fstab, createFstab),
};

export function createNodes(entries: GraphEntry[], options: CreateNodesOptions): CreatedNodes {
  const builder = new NodeBuilder(options);
  for (const entry of entries) CREATE_BY_PLUGIN[entry.plugin](builder, entry);
  return { nodes: builder.nodes, tables: builder.tables };
}

/** Fields every node of an entry shares. */
function commonFields(name: string, entry: GraphEntry) {
  return { name, ...(entry.line ? { line: entry.line } : {}), edgesFrom: [], edgesTo: [] };
}

function createLocalLoop(
  builder: NodeBuilder,
  options: TLocalLoopOptions,
  entry: GraphEntry,
): void {
  const { name } = options;
  const { line } = entry;
  const rawBlockSize = builder.options.blockSizeOverride ?? options.block_size ?? 512;
  const blockSize = Number(rawBlockSize);
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    builder.fail(
      name,
      line,
      `local_loop.block_size '${String(rawBlockSize)}' is not a whole number`,
    );
  }
  if (blockSize !== 512 && blockSize !== 4096) {
    builder.options.warn(`node '${name}': block size ${blockSize} is neither 512 nor 4096`);
  }
  const sizeSpec = options.size ?? builder.options.imageSize;
  const size =
    sizeSpec === undefined ? undefined : builder.sized(name, line, "local_loop.size", sizeSpec);
  const directory = options.directory ?? builder.options.imageDir;
  builder.add({
    kind: "local_loop",
    ...commonFields(name, entry),
    blockSize,
    ...(size !== undefined ? { size } : {}),
    ...(directory !== undefined ? { directory, image: `${directory}/${name}.raw` } : {}),
  });
}

function createPartitioning(
  builder: NodeBuilder,
  options: TPartitioningOptions,
  entry: GraphEntry,
): void {
  const { name, label } = options;
  const align = options.align
    ? builder.sized(name, entry.line, "partitioning.align", options.align)
    : 1 << 20;
  if (label === "mbr" && (align < 512 || align % 512 !== 0)) {
    builder.fail(name, entry.line, `partitioning.align must be a multiple of 512 bytes`);
  }
  const table: PartitionTable = { name, base: options.base, label, align, partitions: [] };
  let previous: string | undefined;
  options.partitions.forEach((raw, index) => {
    const node = createPartition(builder, table, entry, raw, index, previous);
    builder.add(node);
    table.partitions.push(node.name);
    previous = node.name;
  });
  builder.tables.push(table);
}

/** One partition of a table; it depends on the disk and on the partition before it. */
function createPartition(
  builder: NodeBuilder,
  table: PartitionTable,
  entry: GraphEntry,
  raw: unknown,
  index: number,
  previous: string | undefined,
): PartitionNode {
  const value = (raw ?? {}) as Record<string, unknown>;
  const rawName = value.name ?? `${table.name}.partitions[${index}]`;
  const line = entry.partitionLines?.[index] ?? entry.line;
  const partition = builder.check(
    ZPartitionOptions,
    raw as Record<string, unknown>,
    "partition",
    rawName,
    line,
  );
  const flags = partition.flags ?? [];
  if (table.label === "gpt" && flags.includes("primary")) {
    builder.fail(
      partition.name,
      line,
      "partition flag 'primary' is not supported for GPT partitions",
    );
  }
  return {
    kind: "partition",
    ...commonFields(table.name, entry),
    name: partition.name,
    base: table.base,
    table: table.name,
    label: table.label,
    index,
    ...(line ? { line } : {}),
    boot: flags.includes("boot"),
    primary: flags.includes("primary"),
    size: partition.size,
    type: partitionType(table.label, partition.type, (detail) =>
      builder.fail(partition.name, line, detail),
    ),
    edgesFrom: previous === undefined ? [table.base] : [table.base, previous],
    edgesTo: [],
  };
}

/** LVM as DIB orders it: every pv, every vg, every lv, then the driver node. */
function createLvm(builder: NodeBuilder, options: TLvmOptions, entry: GraphEntry): void {
  const { name } = options;
  const { line } = entry;
  const pvNames = options.pvs.map((pv) => pv.name);
  const vgNames = options.vgs.map((vg) => vg.name);
  for (const vg of options.vgs) {
    const bad = vg.base.find((base) => !pvNames.includes(base));
    if (bad !== undefined)
      builder.fail(name, line, `lvm vg '${vg.name}': base '${bad}' is not a pv`);
  }
  for (const lv of options.lvs) {
    if (!vgNames.includes(lv.base)) {
      builder.fail(name, line, `lvm lv '${lv.name}': base '${lv.base}' is not a vg`);
    }
  }
  const lvmCommon = { lvm: name, ...(line ? { line } : {}), edgesTo: [] };
  for (const pv of options.pvs) {
    const { name: pvName, base } = pv;
    builder.add({
      kind: "pv",
      ...lvmCommon,
      name: pvName,
      base,
      options: pv.options ?? [],
      edgesFrom: [],
    });
  }
  for (const vg of options.vgs) {
    builder.add({
      kind: "vg",
      ...lvmCommon,
      name: vg.name,
      pvs: vg.base,
      options: vg.options ?? [],
      edgesFrom: [...vg.base],
    });
  }
  for (const lv of options.lvs) {
    builder.add({
      kind: "lv",
      ...lvmCommon,
      name: lv.name,
      vg: lv.base,
      options: lv.options ?? [],
      edgesFrom: [lv.base],
      ...(lv.size !== undefined ? { size: lv.size } : {}),
      ...(lv.extents !== undefined ? { extents: lv.extents } : {}),
      ...(lv.type !== undefined ? { lvType: lv.type } : {}),
      ...(lv["thin-pool"] !== undefined ? { thinPool: lv["thin-pool"] } : {}),
    });
  }
  builder.add({
    kind: "lvm",
    ...commonFields(name, entry),
    pvs: pvNames,
    vgs: vgNames,
    lvs: options.lvs.map((lv) => lv.name),
    edgesFrom: [...new Set(options.pvs.map((pv) => pv.base))],
    edgesTo: pvNames,
  });
}

function createMkfs(builder: NodeBuilder, options: TMkfsOptions, entry: GraphEntry): void {
  const { name, base } = options;
  const { line } = entry;
  const fsType = options.type;
  if (!isMkfsType(fsType))
    return builder.fail(name, line, `mkfs.type '${fsType}' is not supported`);
  let label = options.label ?? name;
  if (fsType === "vfat" || fsType === "fat") label = label.toUpperCase();
  if (builder.labels.has(label)) {
    builder.fail(name, line, `filesystem label '${label}' is used more than once`);
  }
  builder.labels.add(label);
  const max = MAX_LABEL[fsType];
  if (max !== undefined && label.length > max) {
    builder.fail(
      name,
      line,
      `label '${label}' is too long for ${fsType}: ${label.length} > ${max}`,
    );
  }
  builder.add({
    kind: "mkfs",
    ...commonFields(name, entry),
    base,
    fsType,
    label,
    uuid: options.uuid ?? builder.options.randomUuid(),
    ...(options.opts !== undefined ? { opts: options.opts.trim().split(" ") } : {}),
    edgesFrom: [base],
  });
}

function createMount(builder: NodeBuilder, options: TMountOptions, entry: GraphEntry): void {
  const { name, base, mount_point: mountPoint } = options;
  if (!mountPoint.startsWith("/") && mountPoint !== "none") {
    builder.fail(
      name,
      entry.line,
      `mount.mount_point '${mountPoint}' must be an absolute path (or none for swap)`,
    );
  }
  if (builder.nodes.some((node) => node.kind === "mount" && node.mountPoint === mountPoint)) {
    builder.fail(name, entry.line, `mount point '${mountPoint}' is specified more than once`);
  }
  builder.add({ kind: "mount", ...commonFields(name, entry), base, mountPoint });
}

function createFstab(builder: NodeBuilder, options: TFstabOptions, entry: GraphEntry): void {
  const { name, base } = options;
  builder.add({
    kind: "fstab",
    ...commonFields(name, entry),
    base,
    options: options.options ?? "defaults",
    dumpFreq: options["dump-freq"] ?? 0,
    fsckPassno: options["fsck-passno"] ?? 2,
    edgesFrom: [base],
  });
}

/** The schema admits only these; the guard gives the type. */
function isMkfsType(type: string): type is TMkfsType {
  return (MKFS_TYPES as readonly string[]).includes(type);
}

/** MBR: a hex string as Python's `int(s, 16)` reads it, one byte; GPT: `str(type)`. */
function partitionType(
  label: "mbr" | "gpt",
  raw: unknown,
  fail: (d: string) => never,
): number | string {
  if (label === "gpt") return raw === undefined ? "8300" : String(raw);
  if (raw === undefined) return 0x83;
  if (typeof raw !== "string") {
    return fail(
      `partition.type ${JSON.stringify(raw)} must be a quoted hex string like '0x83' for MBR`,
    );
  }
  const digits = raw
    .trim()
    .replace(/^0[xX]/, "")
    .replace(/_/g, "");
  if (!/^[0-9a-fA-F]+$/.test(digits)) return fail(`partition.type '${raw}' is not a hex number`);
  const value = parseInt(digits, 16);
  if (value > 0xff) {
    return fail(
      `partition.type '${raw}' does not fit an MBR type byte (a GPT type code on an MBR table?)`,
    );
  }
  return value;
}
