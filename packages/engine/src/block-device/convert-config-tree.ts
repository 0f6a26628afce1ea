/**
 * Tree form → graph form, as DIB's `config_tree_to_graph` (spec §5.1): nested
 * plugin entries become top-level entries (children before their parent) with
 * `base` taken from the parent and a default name `<plugin>_<base>`. A config
 * already in graph form passes through unchanged. Then the root-fs parameter
 * merge (`_merge_rootfs_params`).
 */
import { BlockDeviceConfigError } from "./errors.ts";
import type { LoadedYaml } from "./load-config-yaml.ts";

/** The plugins DIB registers (`diskimage_builder.block_device.plugin` entry points). */
export const PLUGIN_NAMES = [
  "local_loop",
  "partitioning",
  "lvm",
  "mkfs",
  "mount",
  "fstab",
] as const;
export type PluginName = (typeof PLUGIN_NAMES)[number];

export function isPluginName(key: string): key is PluginName {
  return (PLUGIN_NAMES as readonly string[]).includes(key);
}

/** One graph-form entry: `{ <plugin>: options }` with `name` always set. */
export interface GraphEntry {
  plugin: PluginName;
  /** Options in DIB's key order: `base`, `name`, then the rest in document order. */
  options: Record<string, unknown>;
  /** Source line of the mapping the entry came from, when known. */
  line?: number;
  /** partitioning: the source line of each partition, when known. */
  partitionLines?: (number | undefined)[];
}

/** Convert a parsed config (tree or graph form) to graph entries. */
export function convertConfigTree(loaded: LoadedYaml, source?: string): GraphEntry[] {
  const fail = (detail: string, line?: number): never => {
    throw new BlockDeviceConfigError(line ? `line ${line}: ${detail}` : detail, { source });
  };
  const config = loaded.data;
  if (config === null || config === undefined) fail("the config is empty");
  if (!Array.isArray(config)) fail("the config must be a YAML list of plugin entries");
  const output: GraphEntry[] = [];
  (config as unknown[]).forEach((entry, i) => {
    const line = loaded.lineOf(entry);
    const what = `entry ${i + 1}`;
    if (!isPlainObject(entry)) fail(`${what} is not a mapping`, line);
    const keys = Object.keys(entry as object);
    if (keys.length !== 1) {
      fail(
        `${what} must have exactly one plugin key, found ${keys.length}: ${keys.join(", ")}`,
        line,
      );
    }
    const key = keys[0] as string;
    if (!isPluginName(key)) {
      fail(`${what}: '${key}' is not a block-device plugin (use ${PLUGIN_NAMES.join(", ")})`, line);
    }
    recurse(key as PluginName, (entry as Record<string, unknown>)[key], undefined, line);
  });
  return output;

  function recurse(
    key: PluginName,
    values: unknown,
    parentBase: unknown,
    outerLine?: number,
  ): void {
    const line = loaded.lineOf(values) ?? outerLine;
    if (!isPlainObject(values)) {
      fail(`'${key}' must be a mapping of options (write {} for all defaults)`, line);
    }
    const vals = values as Record<string, unknown>;
    const self: Record<string, unknown> = {};
    if ("base" in vals) self.base = vals.base;
    else if (parentBase !== undefined) self.base = parentBase;
    if ("name" in vals) self.name = vals.name;
    else if ("base" in self) self.name = `${key}_${pyStr(self.base)}`;
    else fail(`a top-level '${key}' entry needs a 'name' (or a 'base' to derive one)`, line);
    const label = `node '${pyStr(self.name)}'`;
    let partitionLines: (number | undefined)[] | undefined;
    for (const [nk, nv] of Object.entries(vals)) {
      if (nk === "partitions") {
        if (!("base" in self)) fail(`${label}: partitioning.base is required`, line);
        if (!Array.isArray(nv)) fail(`${label}: partitioning.partitions must be a list`, line);
        const parts: Record<string, unknown>[] = [];
        partitionLines = [];
        (nv as unknown[]).forEach((part, pi) => {
          const partLine = loaded.lineOf(part) ?? line;
          partitionLines?.push(partLine);
          if (!isPlainObject(part)) {
            fail(`${label}: partitions[${pi}] must be a mapping`, partLine);
          }
          const p = part as Record<string, unknown>;
          const newPart: Record<string, unknown> = {};
          for (const [pk, pv] of Object.entries(p)) {
            if (isPluginName(pk)) {
              if (!("name" in p)) {
                fail(`${label}: partitions[${pi}] needs a 'name' for its nested '${pk}'`, partLine);
              }
              recurse(pk, pv, p.name, partLine);
            } else {
              newPart[pk] = pv;
            }
          }
          // DIB always overwrites a partition's base with its table's base.
          newPart.base = self.base;
          parts.push(newPart);
        });
        self.partitions = parts;
      } else if (isPluginName(nk)) {
        recurse(nk, nv, self.name, line);
      } else {
        self[nk] = nv;
      }
    }
    output.push({
      plugin: key,
      options: self,
      ...(line ? { line } : {}),
      ...(partitionLines ? { partitionLines } : {}),
    });
  }
}

/** Root-fs parameters d-i-c passes to the block-device layer (spec §5.8). */
export interface RootFsParams {
  /** `root-fs-type` (`FS_TYPE`): fills `mkfs_root.type` when missing. */
  rootFsType?: string;
  /** `root-fs-opts` (`--mkfs-options`): fills `mkfs_root.opts` when missing. */
  rootFsOpts?: string;
  /**
   * `root-label`: `undefined` = key absent (no label merged); `null` = present
   * but empty (label defaults to `img-rootfs` for xfs, else `cloudimg-rootfs`).
   */
  rootLabel?: string | null;
}

/** DIB's `_merge_rootfs_params`: only the mkfs entry named `mkfs_root` gets these. */
export function mergeRootFsParams(entries: GraphEntry[], params: RootFsParams): void {
  for (const entry of entries) {
    if (entry.plugin !== "mkfs" || entry.options.name !== "mkfs_root") continue;
    const v = entry.options;
    if (!("type" in v) && params.rootFsType !== undefined) v.type = params.rootFsType;
    if (!("opts" in v) && params.rootFsOpts !== undefined) v.opts = params.rootFsOpts;
    if (!("label" in v) && params.rootLabel !== undefined) {
      if (params.rootLabel !== null) v.label = params.rootLabel;
      else v.label = v.type === "xfs" ? "img-rootfs" : "cloudimg-rootfs";
    }
  }
}

/** The graph config as DIB writes `config.json`: `[{plugin: options}, …]`. */
export function toDibGraphJson(entries: GraphEntry[]): Record<string, unknown>[] {
  return entries.map((e) => ({ [e.plugin]: e.options }));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Python's `str()` of a YAML scalar or list, for DIB's default names. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return String(v);
}

function pyRepr(v: unknown): string {
  return typeof v === "string" ? `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : pyStr(v);
}
