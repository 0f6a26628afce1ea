import { describe, expect, it } from "vitest";
import { mkfsCommand, mountPath, partitionDevice } from "./node-commands.ts";
import { formatFstab, planBlockDevice, type PlanBlockDeviceOptions } from "./plan-block-device.ts";
import type { MkfsNode } from "./types.ts";

let uuidCount = 0;
const plan = (config: string, extra: Partial<PlanBlockDeviceOptions> = {}) =>
  planBlockDevice({
    config,
    params: { rootFsType: "ext4", rootLabel: null, mountBase: "/mnt/img" },
    randomUuid: () => `uuid-${++uuidCount}`,
    ...extra,
  });

const EFI = `
- local_loop:
    name: image0
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 550MiB
        mkfs:
          type: vfat
          mount:
            mount_point: /boot/efi
            fstab: {options: "defaults", fsck-passno: 2}
      - name: BSP
        type: 'EF02'
        size: 8MiB
      - name: root
        type: '8300'
        size: 100%
        mkfs:
          type: ext4
          mount:
            mount_point: /
            fstab: {options: "defaults", fsck-passno: 1}
`;

describe("planBlockDevice", () => {
  it("plans the efi default: call order, mounts, fstab, getval", () => {
    const p = plan(EFI);
    expect(p.callOrder).toEqual([
      "image0",
      "ESP",
      "mkfs_ESP",
      "BSP",
      "root",
      "mkfs_root",
      "mount_mkfs_root",
      "mount_mkfs_ESP",
      "fstab_mount_mkfs_root",
      "fstab_mount_mkfs_ESP",
    ]);
    expect(p.mountOrder.map((m) => [m.mountPoint, m.path])).toEqual([
      ["/", "/mnt/img/"],
      ["/boot/efi", "/mnt/img/boot/efi"],
    ]);
    expect(formatFstab(p)).toBe(
      "LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=MKFS_ESP /boot/efi vfat defaults 0 2\n",
    );
    expect(p.getval).toEqual({
      rootLabel: "cloudimg-rootfs",
      rootFsType: "ext4",
      bootLabel: "",
      mountPoints: "/boot/efi|/",
    });
    expect(p.tables[0]?.layout).toBeUndefined();
  });

  it("computes the GPT layout and sgdisk argv once the size is known", () => {
    const p = plan(EFI, { params: { imageSize: "3GiB", imageDir: "/tmp/img", mountBase: "/m" } });
    const t = p.tables[0];
    expect(t?.sgdisk).toEqual([
      "sgdisk",
      "/tmp/img/image0.raw",
      "-n",
      "1:0:+550M",
      "-t",
      "1:EF00",
      "-c",
      "1:ESP",
      "-n",
      "2:0:+8M",
      "-t",
      "2:EF02",
      "-c",
      "2:BSP",
      "-n",
      "3:0:+2512M",
      "-t",
      "3:8300",
      "-c",
      "3:root",
    ]);
    expect(
      t?.layout?.partitions.map((x) => (x as { predictedOffset: number }).predictedOffset),
    ).toEqual([1 << 20, 551 << 20, 559 << 20]);
  });

  it("orders sibling mounts by code point by default, by DIB 3.13's sort on request", () => {
    const cfg = `
- local_loop: {name: image0}
- mkfs: {name: a, base: image0, type: xfs, mount: {mount_point: /}}
- mkfs: {name: b, base: image0, type: xfs, mount: {mount_point: /var}}
- mkfs: {name: c, base: image0, type: xfs, mount: {mount_point: /home}}
`;
    expect(plan(cfg).mountOrder.map((m) => m.mountPoint)).toEqual(["/", "/home", "/var"]);
    expect(plan(cfg, { mountSort: "dib-3.13" }).mountOrder.map((m) => m.mountPoint)).toEqual([
      "/",
      "/var",
      "/home",
    ]);
  });

  it("writes swap as none/sw 0 0 and runs mkswap", () => {
    const p = plan(`
- local_loop:
    name: image0
    mkfs:
      name: mkfs_swap
      type: swap
      mount:
        mount_point: none
        fstab: {}
`);
    expect(p.fstab.map((e) => e.line)).toEqual(["LABEL=mkfs_swap none swap sw 0 0"]);
    expect(p.mountOrder[0]?.path).toBeUndefined();
    const fs = p.nodes.find((n) => n.kind === "mkfs") as MkfsNode;
    expect(mkfsCommand(fs, "/dev/loop0")).toEqual([
      "mkswap",
      "-L",
      "mkfs_swap",
      "-U",
      fs.uuid,
      "/dev/loop0",
    ]);
  });

  it("reports validation errors naming node, field and line", () => {
    const one = (body: string) => `- local_loop:\n    name: image0\n${body}`;
    expect(() =>
      plan(one("- mkfs: {name: root, base: image0, type: zfs}\n"), { source: "x.yaml" }),
    ).toThrow(
      /^block-device config: x.yaml: node 'root' \(line 3\): mkfs.type 'zfs' is not supported \(use ext2/,
    );
    expect(() => plan(one("- mkfs: {name: fs, base: image0}\n"))).toThrow(
      "node 'fs' (line 3): mkfs.type is required",
    );
    expect(() =>
      plan(one("- mkfs: {name: fs, base: image0, type: xfs, label: abcdefghijklm}\n")),
    ).toThrow("label 'abcdefghijklm' is too long for xfs: 13 > 12");
    const part = (p: string, label = "gpt") =>
      one(
        `- partitioning:\n    base: image0\n    label: ${label}\n    partitions:\n      - ${p}\n`,
      );
    expect(() => plan(part("{name: r, size: 10, flags: [primary]}"))).toThrow(
      "node 'r' (line 7): partition.size must be a quoted size string",
    );
    expect(() => plan(part("{name: r, size: 1G, flags: [primary]}"))).toThrow(
      "partition flag 'primary' is not supported for GPT partitions",
    );
    expect(() => plan(part("{name: r, size: 1G, flags: [bootable]}", "mbr"))).toThrow(
      "partition.flags[0] 'bootable' unknown flag (use boot, primary)",
    );
    expect(() => plan(part("{name: r, size: 1G, type: 'EF00'}", "mbr"))).toThrow(
      "partition.type 'EF00' does not fit an MBR type byte",
    );
    expect(() => plan(part("{name: r, size: 1G}", "msdos"))).toThrow(
      "partitioning.label 'msdos' must be 'mbr' or 'gpt'",
    );
    expect(() =>
      plan(
        one(
          "- mkfs: {name: a, base: image0, type: xfs, mount: {mount_point: /}}\n" +
            "- mkfs: {name: b, base: image0, type: xfs, mount: {mount_point: /}}\n",
        ),
      ),
    ).toThrow("mount point '/' is specified more than once");
    expect(() => plan(one("- mount: {name: m, base: image0, mount_point: /}\n"))).toThrow(
      "node 'm' (line 3): mount.base 'image0' is a local_loop node; it must be mkfs",
    );
    expect(() =>
      plan(
        one(
          "- lvm: {name: lvm, pvs: [{name: pv, base: image0}], vgs: [{name: vg, base: [nope]}], lvs: [{name: lv, base: vg, size: 1G}]}\n",
        ),
      ),
    ).toThrow("lvm vg 'vg': base 'nope' is not a pv");
  });

  it("warns about unknown keys and unexecuted LVM instead of failing", () => {
    const p = plan(`
- local_loop: {name: image0, colour: blue}
- lvm:
    name: lvm
    pvs: [{name: pv, base: image0}]
    vgs: [{name: vg, base: [pv]}]
    lvs: [{name: lv, base: vg, extents: 100%VG}]
- mkfs: {name: fs, base: lv, type: xfs, mount: {mount_point: /, fstab: {fck-passno: 1}}}
`);
    expect(p.warnings).toEqual([
      "node 'image0': unknown local_loop option 'colour' is ignored",
      "node 'fstab_mount_fs': unknown fstab option 'fck-passno' is ignored",
      "lvm is parsed and ordered, but creating LVM volumes is not implemented yet",
    ]);
    expect(p.callOrder).toEqual([
      "image0",
      "lvm",
      "pv",
      "vg",
      "lv",
      "fs",
      "mount_fs",
      "fstab_mount_fs",
    ]);
    expect(p.fstab[0]?.line).toBe("LABEL=fs / xfs defaults 0 2");
  });

  it("applies DIB_BLOCK_SIZE over the config", () => {
    const p = plan("- local_loop: {name: image0, block_size: 512}\n", {
      env: { DIB_BLOCK_SIZE: "4096" },
    });
    expect(p.nodes[0]).toMatchObject({ kind: "local_loop", blockSize: 4096 });
  });
});

describe("node commands", () => {
  const fs = (over: Partial<MkfsNode>): MkfsNode => ({
    kind: "mkfs",
    name: "mkfs_root",
    base: "root",
    fsType: "ext4",
    label: "cloudimg-rootfs",
    uuid: "u-1",
    edgesFrom: [],
    edgesTo: [],
    ...over,
  });
  it("builds mkfs argv per filesystem type as DIB does", () => {
    expect(mkfsCommand(fs({ opts: ["-i", "4096"] }), "/dev/d")).toEqual([
      "mkfs",
      "-t",
      "ext4",
      "-i",
      "4096",
      "-L",
      "cloudimg-rootfs",
      "-U",
      "u-1",
      "-q",
      "/dev/d",
    ]);
    expect(mkfsCommand(fs({ fsType: "xfs", label: "img-rootfs" }), "/dev/d")).toEqual([
      "mkfs",
      "-t",
      "xfs",
      "-L",
      "img-rootfs",
      "-m",
      "uuid=u-1",
      "-q",
      "/dev/d",
    ]);
    expect(mkfsCommand(fs({ fsType: "vfat", label: "ESP" }), "/dev/d")).toEqual([
      "mkfs",
      "-t",
      "vfat",
      "-n",
      "ESP",
      "/dev/d",
    ]);
  });
  it("joins mount paths like os.path.join and names kpartx devices", () => {
    expect(mountPath("/tmp/mnt", "/")).toBe("/tmp/mnt/");
    expect(mountPath("/tmp/mnt/", "/boot/efi")).toBe("/tmp/mnt/boot/efi");
    expect(partitionDevice("/dev/loop3", 5)).toBe("/dev/mapper/loop3p5");
  });
});
