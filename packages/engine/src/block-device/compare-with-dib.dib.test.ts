/**
 * Differential test: every block-device config DIB ships (its elements'
 * block-device-*.yaml, its block_device/tests/config/*.yaml, and the
 * fallback config) planned by Kiln and by the installed DIB.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planBlockDevice, formatFstab, type BlockDevicePlan } from "./plan-block-device.ts";
import { mkfsCommand } from "./node-commands.ts";
import { DIB_ROOT, runDibOracle, type DibGraphResult } from "../testing/dib-block-device-oracle.ts";
import { DEFAULT_BLOCK_DEVICE_CONFIG } from "./select-block-device-config.ts";
import type { MkfsNode } from "./types.ts";
import { hasDib, skipNote } from "../testing/host-capabilities.ts";

const why = hasDib();

/** Every block-device YAML DIB ships. */
function dibConfigs(): string[] {
  const tests = path.join(DIB_ROOT, "block_device/tests/config");
  const elements = path.join(DIB_ROOT, "elements");
  return [
    ...fs
      .readdirSync(tests)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => path.join(tests, f)),
    ...fs.readdirSync(elements).flatMap((e) => {
      const dir = path.join(elements, e);
      if (!fs.statSync(dir).isDirectory()) return [];
      return fs
        .readdirSync(dir)
        .filter((f) => /^block-device-.*\.yaml$/.test(f))
        .map((f) => path.join(dir, f));
    }),
  ].sort();
}

/**
 * Configs DIB's graph accepts but Kiln refuses, and why. DIB itself fails
 * later on these, in `create`.
 */
const KILN_REFUSES: Record<string, RegExp> = {
  // MBR table with GPT type codes: DIB dies in struct.pack at create time.
  "lvm_tree_multiple_partitions.yaml":
    /node 'ESP' \(line \d+\): partition.type 'EF00' does not fit an MBR type byte/,
};

/** DIB's own test plugins (test_a/test_b) are not registered for real runs. */
const DIB_PARAMS = {
  "mount-base": "/nonexistent-kiln/mnt",
  "image-size": "64GiB",
  "image-dir": "/nonexistent-kiln",
  "root-fs-type": "ext4",
  "root-label": null,
};

describe.skipIf(why)(`Kiln vs DIB on every config DIB ships${skipNote(why)}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bd-dib-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const fallback = path.join(tmp, "fallback-default.yaml");
  fs.writeFileSync(fallback, DEFAULT_BLOCK_DEVICE_CONFIG);
  const files = why ? [] : [...dibConfigs(), fallback];
  const dib = why
    ? []
    : runDibOracle(files.map((config) => ({ mode: "graph" as const, config, params: DIB_PARAMS })));
  const summary: string[] = [];
  afterAll(() => console.log(`DIB differential:\n  ${summary.join("\n  ")}`));

  it("finds the configs", () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(files.some((f) => f.endsWith("block-device-efi/block-device-default.yaml"))).toBe(true);
  });

  files.forEach((file, i) => {
    const short = path.relative(DIB_ROOT, file).startsWith("..")
      ? "fallback default"
      : path.relative(DIB_ROOT, file);
    it(short, () => {
      const theirs = dib[i] as DibGraphResult;
      let uuids = 0;
      let mine: BlockDevicePlan | undefined;
      let error: Error | undefined;
      try {
        mine = planBlockDevice({
          config: fs.readFileSync(file, "utf8"),
          source: short,
          mountSort: "dib-3.13",
          params: {
            mountBase: DIB_PARAMS["mount-base"],
            imageSize: DIB_PARAMS["image-size"],
            imageDir: DIB_PARAMS["image-dir"],
            rootFsType: "ext4",
            rootLabel: null,
          },
          randomUuid: () => `00000000-0000-0000-0000-${(++uuids).toString(16).padStart(12, "0")}`,
        });
      } catch (err) {
        error = err as Error;
      }
      const refused = KILN_REFUSES[path.basename(file)];
      if (refused) {
        expect(theirs.error).toBeUndefined();
        expect(error?.message).toMatch(refused);
        summary.push(
          `${short}: DIB builds the graph, Kiln refuses it early (${error?.message.split(": ").pop()})`,
        );
        return;
      }
      if (theirs.error) {
        // Both refuse; Kiln's message is one line naming the culprit.
        expect(error, `DIB: ${theirs.error}`).toBeDefined();
        expect(error?.message).toMatch(/^block-device config: /);
        expect(error?.message).not.toContain("\n");
        summary.push(`${short}: both refuse (DIB: ${theirs.error})`);
        return;
      }
      expect(error).toBeUndefined();
      const plan = mine as BlockDevicePlan;
      expect(plan.callOrder).toEqual(theirs.call_order);
      expect(JSON.stringify(plan.graphConfig)).toBe(JSON.stringify(theirs.graph));
      expect(plan.sortedMountPoints).toEqual(theirs.sorted_mount_points);
      expect(theirs.fstab_error).toBeUndefined();
      expect(formatFstab(plan)).toBe(theirs.fstab);
      const byName = new Map(plan.nodes.map((n) => [n.name, n]));
      const mkfs = plan.callOrder
        .map((n) => byName.get(n))
        .filter((n): n is MkfsNode => n?.kind === "mkfs")
        .map((n) => mkfsCommand(n, `/dev/fake/${n.base}`));
      expect(mkfs).toEqual(theirs.mkfs);
      const sorted = planBlockDevice({
        config: fs.readFileSync(file, "utf8"),
        params: { mountBase: "/m", imageSize: "64GiB", rootFsType: "ext4", rootLabel: null },
      });
      const same = JSON.stringify(sorted.callOrder) === JSON.stringify(plan.callOrder);
      summary.push(
        `${short}: call order, graph, fstab, mkfs argv match` +
          (same ? "" : " (spec 'sorted' mount order differs from DIB 3.13 here)"),
      );
    });
  });
});
