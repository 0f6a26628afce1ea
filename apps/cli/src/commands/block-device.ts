/**
 * `kiln block-device plan`: show what the block-device layer would do with a
 * config (graph call order, mounts, fstab, partition layout) without touching
 * any device.
 */
import fs from "node:fs";
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { shellQuote } from "@kiln/contracts/shell-quote";
import {
  planBlockDevice,
  type BlockDeviceParams,
  type BlockDevicePlan,
} from "@kiln/engine/block-device/plan-block-device";
import type { MountSortMode } from "@kiln/engine/block-device/sort-mount-points";
import { cliContext, type CliContext } from "../context.ts";

interface PlanFlags {
  config: string;
  json?: boolean;
  imageSize?: string;
  imageDir?: string;
  mountBase?: string;
  rootFsType: string;
  rootLabel?: string;
  mountSort: string;
}

/** Seams for tests; the defaults are the process's. */
export interface BlockDeviceCommandDeps {
  /** The CLI context (env, logger, stdout writer). */
  context?: () => CliContext;
}

export function registerBlockDeviceCommand(
  program: Command,
  deps: BlockDeviceCommandDeps = {},
): void {
  const getContext = deps.context ?? cliContext;
  const group = program
    .command("block-device")
    .description("inspect DIB block-device configs (no devices are touched)");
  group
    .command("plan")
    .description("print the node call order, mount order, fstab and partition layout of a config")
    .requiredOption("--config <file>", "block-device YAML config (tree or graph form)")
    .option("--json", "machine-readable output")
    .option("--image-size <size>", "image size for the layout, e.g. 10GiB (DIB's image-size)")
    .option("--image-dir <dir>", "directory of the .raw images (DIB's image-dir)")
    .option("--mount-base <dir>", "host directory the image is mounted under")
    .option("--root-fs-type <type>", "type for mkfs_root when the config has none", "ext4")
    .option(
      "--root-label <label>",
      "label for mkfs_root (default: cloudimg-rootfs, img-rootfs on xfs)",
    )
    .option("--mount-sort <mode>", "mount chain order: sorted (spec) or dib-3.13", "sorted")
    .action((flags: PlanFlags) => {
      const ctx = getContext();
      const text = readConfig(flags.config);
      if (flags.mountSort !== "sorted" && flags.mountSort !== "dib-3.13") {
        throw new KilnError(
          "USAGE",
          `--mount-sort must be 'sorted' or 'dib-3.13', not '${flags.mountSort}'`,
        );
      }
      const params: BlockDeviceParams = {
        rootFsType: flags.rootFsType,
        rootLabel: flags.rootLabel ?? null,
        ...(flags.imageSize ? { imageSize: flags.imageSize } : {}),
        ...(flags.imageDir ? { imageDir: flags.imageDir } : {}),
        ...(flags.mountBase ? { mountBase: flags.mountBase } : {}),
      };
      const plan = planBlockDevice({
        config: text,
        source: flags.config,
        params,
        env: ctx.env.buildEnv,
        mountSort: flags.mountSort as MountSortMode,
      });
      ctx.out(flags.json ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : formatPlan(plan));
    });
}

function readConfig(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new KilnError("USAGE", `cannot read block-device config '${file}' (${code})`, {
      cause: err,
    });
  }
}

/** The `--json` shape: snake_case, stable. */
export function planToJson(plan: BlockDevicePlan): Record<string, unknown> {
  return {
    call_order: plan.callOrder,
    mount_order: plan.mountOrder.map((m) => ({
      mount_point: m.mountPoint,
      node: m.node,
      filesystem: m.filesystem,
      fs_type: m.fsType,
      label: m.label,
      ...(m.path ? { path: m.path } : {}),
    })),
    fstab: plan.fstab.map((e) => e.line),
    tables: plan.tables.map((t) => ({
      name: t.name,
      base: t.base,
      label: t.label,
      partitions: t.partitions,
      ...(t.layout ? { layout: t.layout } : {}),
      ...(t.sgdisk ? { sgdisk: t.sgdisk } : {}),
    })),
    nodes: plan.nodes.map(({ edgesFrom, edgesTo, ...rest }) => ({
      ...rest,
      edges_from: edgesFrom,
      edges_to: edgesTo,
    })),
    getval: {
      "root-label": plan.getval.rootLabel ?? null,
      "root-fstype": plan.getval.rootFsType ?? null,
      "boot-label": plan.getval.bootLabel,
      "mount-points": plan.getval.mountPoints,
    },
    graph_config: plan.graphConfig,
    warnings: plan.warnings,
  };
}

/** Readable tables for people. */
export function formatPlan(plan: BlockDevicePlan): string {
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  const out: string[] = ["Call order:"];
  out.push(
    ...table(
      ["#", "node", "kind", "after"],
      plan.callOrder.map((name, i) => {
        const n = byName.get(name);
        return [String(i + 1), name, n?.kind ?? "", n?.edgesFrom.join(", ") ?? ""];
      }),
    ),
  );
  out.push("", "Mount order:");
  out.push(
    ...(plan.mountOrder.length === 0
      ? ["  (none)"]
      : table(
          ["mount point", "node", "filesystem", "type", "label"],
          plan.mountOrder.map((m) => [m.mountPoint, m.node, m.filesystem, m.fsType, m.label]),
        )),
  );
  out.push(
    "",
    "fstab:",
    ...(plan.fstab.length ? plan.fstab.map((e) => `  ${e.line}`) : ["  (none)"]),
  );
  for (const t of plan.tables) {
    out.push("", `Partition table '${t.name}' (${t.label}) on ${t.base}:`);
    if (!t.layout) {
      out.push("  (layout needs the image size: pass --image-size or set local_loop.size)");
      continue;
    }
    if (t.layout.label === "mbr") {
      out.push(
        ...table(
          ["#", "name", "start", "bytes", "type", "flags"],
          t.layout.partitions.map((p) => [
            String(p.number),
            p.name,
            String(p.offset),
            String(p.bytes),
            `0x${p.type.toString(16).padStart(2, "0")}`,
            [p.primary ? "primary" : "logical", p.boot ? "boot" : ""].filter(Boolean).join(","),
          ]),
        ),
      );
    } else {
      out.push(
        ...table(
          ["#", "name", "start (predicted)", "MiB", "type", "flags"],
          t.layout.partitions.map((p) => [
            String(p.number),
            p.name,
            String(p.predictedOffset),
            String(p.sizeMiB),
            p.type,
            p.boot ? "boot" : "",
          ]),
        ),
      );
      if (t.sgdisk) out.push(`  ${t.sgdisk.map(shellQuote).join(" ")}`);
    }
  }
  if (plan.warnings.length) out.push("", "Warnings:", ...plan.warnings.map((w) => `  ${w}`));
  return `${out.join("\n")}\n`;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}
