import { describe, expect, it } from "vitest";
import { layoutMbr, type LayoutPartitionInput } from "./layout-partitions.ts";
import { encodeChs, lbaToChs, renderMbr } from "./write-mbr.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const part = (p: Partial<LayoutPartitionInput> & { size: string }): LayoutPartitionInput => ({
  name: p.name ?? "p",
  boot: false,
  primary: false,
  type: 0x83,
  ...p,
});

describe("layoutMbr", () => {
  it("puts a single 100% primary boot partition at 2048 (spec §5.5)", () => {
    const l = layoutMbr({
      diskSize: 2 * GiB,
      align: MiB,
      partitions: [part({ name: "root", size: "100%", boot: true, primary: true })],
    });
    expect(l.partitions).toEqual([
      expect.objectContaining({
        name: "root",
        number: 1,
        startLba: 2048,
        lengthLba: 4192256 - 2048,
      }),
    ]);
    const root = l.partitions[0];
    expect((root?.startLba ?? 0) + (root?.lengthLba ?? 0) - 1).toBe(4192255);
  });

  it("lays one logical partition behind its EBR (spec §5.5: 5 4096 24575)", () => {
    const l = layoutMbr({ diskSize: GiB, align: MiB, partitions: [part({ size: "10MiB" })] });
    expect(l.entries[0]).toEqual({
      sector: 0,
      slot: 0,
      boot: false,
      type: 0x0f,
      lbaStart: 2048,
      lbaLength: 2097152 - 2048,
    });
    expect(l.partitions[0]).toMatchObject({
      number: 5,
      startLba: 4096,
      lengthLba: 20480,
      ebrLba: 2048,
    });
    expect(l.signatureSectors).toEqual([0, 2048]);
  });

  it("refuses primaries after logicals, a fifth primary, and overflowing partitions", () => {
    const base = { diskSize: GiB, align: MiB };
    expect(() =>
      layoutMbr({
        ...base,
        partitions: [part({ size: "1MiB" }), part({ name: "x", size: "1MiB", primary: true })],
      }),
    ).toThrow("partition 'x' on 'disk': primary partitions must be listed before logical ones");
    const five = [1, 2, 3, 4, 5].map((i) => part({ name: `p${i}`, size: "1MiB", primary: true }));
    expect(() => layoutMbr({ ...base, partitions: five })).toThrow(/p5.*at most 4 primary/);
    expect(() =>
      layoutMbr({ ...base, partitions: [part({ name: "big", size: "2GiB", primary: true })] }),
    ).toThrow(/'big'.*does not fit/);
  });
});

describe("CHS encoding", () => {
  it("keeps DIB's cylinder bits quirk and clamps past 1023 cylinders", () => {
    expect(lbaToChs(2048)).toEqual([0, 32, 33]);
    expect([...encodeChs([600, 10, 5])]).toEqual([10, 5 | 150, 600 % 256]);
    expect(lbaToChs(254 * 63 * 1023 + 1)).toEqual([1023, 254, 63]);
  });
});

describe("renderMbr", () => {
  it("writes disk id, entries and signatures into whole sectors", () => {
    const l = layoutMbr({
      diskSize: GiB,
      align: MiB,
      partitions: [part({ size: "100MiB", primary: true, boot: true }), part({ size: "10MiB" })],
    });
    const writes = renderMbr(l, 0x12345678);
    expect(writes.map((w) => w.offset)).toEqual([0, (2048 + 204800) * 512]);
    const mbr = writes[0]?.bytes as Buffer;
    expect(mbr.readUInt32LE(440)).toBe(0x12345678);
    expect(mbr.readUInt16LE(510)).toBe(0xaa55);
    expect(mbr[446]).toBe(0x80);
    expect(mbr[446 + 4]).toBe(0x83);
    expect(mbr.readUInt32LE(446 + 8)).toBe(2048);
    expect(mbr[446 + 16 + 4]).toBe(0x0f);
  });
});
