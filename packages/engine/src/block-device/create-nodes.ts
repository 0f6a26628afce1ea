/**
 * Graph entries → nodes, with DIB's per-plugin validation (spec §5.2) done
 * through the zod schemas. Nodes come out in DIB's insertion order: entry by
 * entry, LVM as pvs + vgs + lvs + driver node. Errors name the node, the
 * field and the source line.
 */
import { z } from "zod";
import type { GraphEntry } from "./convert-config-tree.ts";
import { pyStr } from "./convert-config-tree.ts";
import { BlockDeviceConfigError, InvalidSizeError } from "./errors.ts";
import { parseAbsSize } from "./parse-size.ts";
import { PLUGIN_SCHEMAS, ZPartitionOptions, type TMkfsType, type TLvmOptions } from "./schemas.ts";
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

export function createNodes(entries: GraphEntry[], opts: CreateNodesOptions): CreatedNodes {
  const nodes: BlockDeviceNode[] = [];
  const tables: PartitionTable[] = [];
  const names = new Set<string>();
  const labels = new Set<string>();
  const fail = (node: unknown, line: number | undefined, detail: string): never => {
    const at = line ? ` (line ${line})` : "";
    throw new BlockDeviceConfigError(`node '${pyStr(node)}'${at}: ${detail}`, {
      source: opts.source,
    });
  };
  const add = (node: BlockDeviceNode): void => {
    if (names.has(node.name)) fail(node.name, node.line, "duplicate node name");
    names.add(node.name);
    nodes.push(node);
  };

  for (const entry of entries) {
    const { plugin, line } = entry;
    const schema = PLUGIN_SCHEMAS[plugin] as z.ZodObject;
    const o = check(schema, entry.options, plugin, entry.options.name, line);
    const name = o.name as string;
    const common = { name, ...(line ? { line } : {}), edgesFrom: [], edgesTo: [] };
    switch (plugin) {
      case "local_loop": {
        const bsRaw = opts.blockSizeOverride ?? o.block_size ?? 512;
        const blockSize = Number(bsRaw);
        if (!Number.isInteger(blockSize) || blockSize <= 0) {
          fail(name, line, `local_loop.block_size '${String(bsRaw)}' is not a whole number`);
        }
        if (blockSize !== 512 && blockSize !== 4096) {
          opts.warn(`node '${name}': block size ${blockSize} is neither 512 nor 4096`);
        }
        const sizeSpec = (o.size as string | undefined) ?? opts.imageSize;
        let size: number | undefined;
        if (sizeSpec !== undefined) size = sized(name, line, "local_loop.size", sizeSpec);
        const directory = (o.directory as string | undefined) ?? opts.imageDir;
        add({
          kind: "local_loop",
          ...common,
          blockSize,
          ...(size !== undefined ? { size } : {}),
          ...(directory !== undefined ? { directory, image: `${directory}/${name}.raw` } : {}),
        });
        break;
      }
      case "partitioning": {
        const label = o.label as "mbr" | "gpt";
        const align = o.align
          ? sized(name, line, "partitioning.align", o.align as string)
          : 1 << 20;
        if (label === "mbr" && (align < 512 || align % 512 !== 0)) {
          fail(name, line, `partitioning.align must be a multiple of 512 bytes`);
        }
        const table: PartitionTable = {
          name,
          base: o.base as string,
          label,
          align,
          partitions: [],
        };
        let prev: string | undefined;
        (o.partitions as unknown[]).forEach((raw, index) => {
          const rawName = (raw as Record<string, unknown>).name ?? `${name}.partitions[${index}]`;
          const line = entry.partitionLines?.[index] ?? entry.line;
          const p = check(
            ZPartitionOptions,
            raw as Record<string, unknown>,
            "partition",
            rawName,
            line,
          );
          const flags = (p.flags as string[] | undefined) ?? [];
          if (label === "gpt" && flags.includes("primary")) {
            fail(p.name, line, "partition flag 'primary' is not supported for GPT partitions");
          }
          const node: PartitionNode = {
            kind: "partition",
            ...common,
            name: p.name as string,
            base: table.base,
            table: name,
            label,
            index,
            ...(line ? { line } : {}),
            boot: flags.includes("boot"),
            primary: flags.includes("primary"),
            size: p.size as string,
            type: partitionType(label, p.type, (d) => fail(p.name, line, d)),
            edgesFrom: prev === undefined ? [table.base] : [table.base, prev],
            edgesTo: [],
          };
          add(node);
          table.partitions.push(node.name);
          prev = node.name;
        });
        tables.push(table);
        break;
      }
      case "lvm": {
        const l = o as TLvmOptions;
        const pvNames = l.pvs.map((pv) => pv.name);
        const vgNames = l.vgs.map((vg) => vg.name);
        for (const vg of l.vgs) {
          const bad = vg.base.find((b) => !pvNames.includes(b));
          if (bad !== undefined) fail(name, line, `lvm vg '${vg.name}': base '${bad}' is not a pv`);
        }
        for (const lv of l.lvs) {
          if (!vgNames.includes(lv.base)) {
            fail(name, line, `lvm lv '${lv.name}': base '${lv.base}' is not a vg`);
          }
        }
        const lvmCommon = { lvm: name, ...(line ? { line } : {}), edgesTo: [] };
        for (const pv of l.pvs) {
          add({
            kind: "pv",
            ...lvmCommon,
            name: pv.name,
            base: pv.base,
            options: pv.options ?? [],
            edgesFrom: [],
          });
        }
        for (const vg of l.vgs) {
          add({
            kind: "vg",
            ...lvmCommon,
            name: vg.name,
            pvs: vg.base,
            options: vg.options ?? [],
            edgesFrom: [...vg.base],
          });
        }
        for (const lv of l.lvs) {
          add({
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
        add({
          kind: "lvm",
          ...common,
          pvs: pvNames,
          vgs: vgNames,
          lvs: l.lvs.map((lv) => lv.name),
          edgesFrom: [...new Set(l.pvs.map((pv) => pv.base))],
          edgesTo: pvNames,
        });
        break;
      }
      case "mkfs": {
        const fsType = o.type as TMkfsType;
        let label = (o.label as string | undefined) ?? name;
        if (fsType === "vfat" || fsType === "fat") label = label.toUpperCase();
        if (labels.has(label))
          fail(name, line, `filesystem label '${label}' is used more than once`);
        labels.add(label);
        const max = MAX_LABEL[fsType];
        if (max !== undefined && label.length > max) {
          fail(name, line, `label '${label}' is too long for ${fsType}: ${label.length} > ${max}`);
        }
        const rawOpts = o.opts as string | undefined;
        add({
          kind: "mkfs",
          ...common,
          base: o.base as string,
          fsType,
          label,
          uuid: (o.uuid as string | undefined) ?? opts.randomUuid(),
          ...(rawOpts !== undefined ? { opts: rawOpts.trim().split(" ") } : {}),
          edgesFrom: [o.base as string],
        });
        break;
      }
      case "mount": {
        const mountPoint = o.mount_point as string;
        if (!mountPoint.startsWith("/") && mountPoint !== "none") {
          fail(
            name,
            line,
            `mount.mount_point '${mountPoint}' must be an absolute path (or none for swap)`,
          );
        }
        if (nodes.some((n) => n.kind === "mount" && n.mountPoint === mountPoint)) {
          fail(name, line, `mount point '${mountPoint}' is specified more than once`);
        }
        add({ kind: "mount", ...common, base: o.base as string, mountPoint });
        break;
      }
      case "fstab": {
        add({
          kind: "fstab",
          ...common,
          base: o.base as string,
          options: (o.options as string | undefined) ?? "defaults",
          dumpFreq: (o["dump-freq"] as number | string | undefined) ?? 0,
          fsckPassno: (o["fsck-passno"] as number | string | undefined) ?? 2,
          edgesFrom: [o.base as string],
        });
        break;
      }
    }
  }
  return { nodes, tables };

  /** Validate with zod; the first issue becomes one error line. Unknown keys warn. */
  function check(
    schema: z.ZodObject,
    value: Record<string, unknown>,
    plugin: string,
    nodeName: unknown,
    line: number | undefined,
  ): Record<string, unknown> {
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0] as z.core.$ZodIssue;
      fail(nodeName, line, describeIssue(plugin, issue, value));
    }
    for (const key of Object.keys(value)) {
      if (!(key in schema.shape)) {
        opts.warn(`node '${pyStr(nodeName)}': unknown ${plugin} option '${key}' is ignored`);
      }
    }
    return (result as { data: Record<string, unknown> }).data;
  }

  function sized(name: string, line: number | undefined, field: string, spec: string): number {
    try {
      return parseAbsSize(spec);
    } catch (err) {
      if (err instanceof InvalidSizeError) return fail(name, line, `${field}: ${err.message}`);
      throw err;
    }
  }
}

/** `plugin.a.b[0]` and the offending value, then the issue's message. */
export function describeIssue(plugin: string, issue: z.core.$ZodIssue, root: unknown): string {
  let value: unknown = root;
  let field = plugin;
  for (const seg of issue.path) {
    value =
      value === null || typeof value !== "object" ? undefined : (value as never)[seg as never];
    field += typeof seg === "number" ? `[${seg}]` : `.${String(seg)}`;
  }
  if (value === undefined) {
    const msg = issue.code === "invalid_type" ? "is required" : issue.message;
    return `${field} ${msg}`;
  }
  const shown = typeof value === "string" ? `'${value}'` : JSON.stringify(value);
  if (issue.code === "custom" || issue.code === "invalid_value") {
    return `${field} ${shown} ${issue.message}`;
  }
  return `${field} ${issue.message} (got ${shown})`;
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
