import { describe, expect, it } from "vitest";
import { convertConfigTree, mergeRootFsParams, toDibGraphJson } from "./convert-config-tree.ts";
import { loadConfigYaml } from "./load-config-yaml.ts";

const convert = (yaml: string) => toDibGraphJson(convertConfigTree(loadConfigYaml(yaml)));

describe("convertConfigTree", () => {
  it("flattens a tree: children first, default names from the parent", () => {
    const graph = convert(`
- local_loop:
    name: image0
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: root
        flags: [boot, primary]
        size: 100%
        mkfs:
          type: ext4
          mount:
            mount_point: /
            fstab:
              options: defaults
              fsck-passno: 1
`);
    expect(graph).toEqual([
      { local_loop: { name: "image0" } },
      {
        fstab: {
          base: "mount_mkfs_root",
          name: "fstab_mount_mkfs_root",
          options: "defaults",
          "fsck-passno": 1,
        },
      },
      { mount: { base: "mkfs_root", name: "mount_mkfs_root", mount_point: "/" } },
      { mkfs: { base: "root", name: "mkfs_root", type: "ext4" } },
      {
        partitioning: {
          base: "image0",
          name: "partitioning_image0",
          label: "mbr",
          partitions: [{ name: "root", flags: ["boot", "primary"], size: "100%", base: "image0" }],
        },
      },
    ]);
  });

  it("keeps DIB's key order (base, name, rest) and overrides a partition's base", () => {
    const [entry] = convert(`
- partitioning:
    label: gpt
    name: t
    base: disk
    partitions:
      - {name: a, base: elsewhere, size: 1MiB}
`);
    expect(Object.keys(entry?.partitioning as object)).toEqual([
      "base",
      "name",
      "label",
      "partitions",
    ]);
    expect((entry?.partitioning as { partitions: unknown[] }).partitions).toEqual([
      { name: "a", base: "disk", size: "1MiB" },
    ]);
  });

  it("names nested plugins under a loop device after the loop device", () => {
    const graph = convert(
      "- local_loop:\n    name: image0\n    mkfs:\n      name: mkfs_root\n      mount: {mount_point: /}\n",
    );
    expect(graph.map((e) => Object.values(e)[0])).toEqual([
      { base: "mkfs_root", name: "mount_mkfs_root", mount_point: "/" },
      { base: "image0", name: "mkfs_root" },
      { name: "image0" },
    ]);
  });

  it("explains bad entries with their line", () => {
    expect(() => convert("- mkfs: {name: a}\n  mount: {name: b}\n")).toThrow(
      "block-device config: line 1: entry 1 must have exactly one plugin key, found 2: mkfs, mount",
    );
    expect(() => convert("- local_loop: {name: a}\n- zfs_pool: {name: b}\n")).toThrow(
      /line 2: entry 2: 'zfs_pool' is not a block-device plugin/,
    );
    expect(() => convert("- mkfs: {type: ext4}\n")).toThrow(
      /line 1: a top-level 'mkfs' entry needs a 'name'/,
    );
    expect(() =>
      convert("- local_loop:\n    name: image0\n    mkfs:\n      mount:\n        fstab:\n"),
    ).toThrow(/line 5: 'fstab' must be a mapping of options \(write \{\} for all defaults\)/);
    expect(() => convert("local_loop: {}\n")).toThrow(/must be a YAML list/);
  });

  it("names the line of a YAML syntax error", () => {
    expect(() => loadConfigYaml("- local_loop:\n    name: [image0\n", "cfg.yaml")).toThrow(
      /^block-device config: cfg.yaml: YAML error at line \d+:/,
    );
  });
});

describe("mergeRootFsParams", () => {
  const entries = () =>
    convertConfigTree(
      loadConfigYaml("- mkfs: {name: mkfs_root, base: r}\n- mkfs: {name: other, base: s}\n"),
    );

  it("fills type, opts and the default label only on mkfs_root", () => {
    const e = entries();
    mergeRootFsParams(e, { rootFsType: "xfs", rootFsOpts: "-i 4096", rootLabel: null });
    expect(e[0]?.options).toEqual({
      base: "r",
      name: "mkfs_root",
      type: "xfs",
      opts: "-i 4096",
      label: "img-rootfs",
    });
    expect(e[1]?.options).toEqual({ base: "s", name: "other" });
  });

  it("uses cloudimg-rootfs for non-xfs, a given label as is, and nothing when the key is absent", () => {
    const a = entries();
    mergeRootFsParams(a, { rootFsType: "ext4", rootLabel: null });
    expect(a[0]?.options.label).toBe("cloudimg-rootfs");
    const b = entries();
    mergeRootFsParams(b, { rootLabel: "myroot" });
    expect(b[0]?.options.label).toBe("myroot");
    const c = entries();
    mergeRootFsParams(c, { rootFsType: "ext4" });
    expect("label" in (c[0]?.options ?? {})).toBe(false);
  });
});

describe("zod config schemas", () => {
  it("accept the tree form as written and the graph form after conversion", async () => {
    const { ZBlockDeviceGraphConfig, ZBlockDeviceTreeConfig } = await import("./schemas.ts");
    const yaml =
      "- local_loop:\n    name: image0\n    mkfs:\n      name: mkfs_root\n      type: ext4\n" +
      "      mount: {mount_point: /, fstab: {}}\n";
    const loaded = loadConfigYaml(yaml);
    expect(ZBlockDeviceTreeConfig.safeParse(loaded.data).success).toBe(true);
    expect(ZBlockDeviceTreeConfig.safeParse([{ mkfs: {}, mount: {} }]).success).toBe(false);
    const graph = toDibGraphJson(convertConfigTree(loaded));
    expect(ZBlockDeviceGraphConfig.safeParse(graph).success).toBe(true);
    expect(
      ZBlockDeviceGraphConfig.safeParse([{ mkfs: { name: "x", base: "y", type: "zfs" } }]).success,
    ).toBe(false);
  });
});
