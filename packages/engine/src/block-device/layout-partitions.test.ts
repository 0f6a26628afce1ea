import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  layoutGpt,
  layoutMbr,
  sgdiskCommand,
  type LayoutPartitionInput,
} from "./layout-partitions.ts";
import { hasTool, hasTools, skipNote, warnIfSkipped } from "../testing/host-capabilities.ts";
import { applySectorWrites, renderMbr } from "./write-mbr.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bd-layout-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const noPartx = hasTool("partx");
const noPartxOrSgdisk = hasTools("partx", "sgdisk");
warnIfSkipped("some layout checks", noPartxOrSgdisk);

/** `partx -g -b -o NR,START,SECTORS,...` rows of an image file. */
function partx(file: string, cols: string): string[][] {
  const r = spawnSync("partx", ["-g", "-b", "-o", cols, file], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/));
}

const gptParts: LayoutPartitionInput[] = [
  { name: "ESP", size: "550MiB", boot: false, primary: false, type: "EF00" },
  { name: "BSP", size: "8MiB", boot: false, primary: false, type: "EF02" },
  { name: "Root Part", size: "100%", boot: true, primary: false, type: "8300" },
];

describe("layoutGpt", () => {
  it("holds 2 MiB back, takes % of what is left and rounds down to MiB", () => {
    const l = layoutGpt({ diskSize: 3 * GiB, partitions: gptParts });
    expect(l.partitions.map((p) => [p.number, p.sizeMiB, p.requestedBytes])).toEqual([
      [1, 550, 550 * MiB],
      [2, 8, 8 * MiB],
      [3, 3072 - 2 - 558, 3 * GiB - 2 * MiB - 558 * MiB],
    ]);
    expect(sgdiskCommand(l, "/img/image0.raw").slice(-2)).toEqual(["-c", "3:Root Part"]);
  });

  it("refuses a config larger than the image, naming the partition", () => {
    expect(() => layoutGpt({ diskSize: 500 * MiB, partitions: gptParts, disk: "image0" })).toThrow(
      /^block-device config: partition 'ESP' on 'image0': needs 576716800 bytes but only 522190848 are left/,
    );
  });

  it.skipIf(noPartxOrSgdisk)(
    `predicts where sgdisk really puts the partitions${skipNote(noPartxOrSgdisk)}`,
    () => {
      const file = path.join(tmp, "gpt.raw");
      fs.writeFileSync(file, "");
      fs.truncateSync(file, 2 * GiB);
      const l = layoutGpt({ diskSize: 2 * GiB, partitions: gptParts });
      const [cmd, ...args] = sgdiskCommand(l, file);
      const r = spawnSync(cmd as string, args, { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(partx(file, "NR,START,SECTORS")).toEqual(
        l.partitions.map((p) => [
          String(p.number),
          String(p.predictedOffset / 512),
          String(p.sizeMiB * 2048),
        ]),
      );
    },
  );
});

describe.skipIf(noPartx)(`the MBR Kiln writes, read back by partx${skipNote(noPartx)}`, () => {
  it("shows the partitions of spec §5.5 and a mixed table", () => {
    const write = (size: number, partitions: LayoutPartitionInput[]) => {
      const file = path.join(tmp, `mbr-${size}-${partitions.length}.raw`);
      fs.writeFileSync(file, "");
      fs.truncateSync(file, size);
      const fd = fs.openSync(file, "r+");
      for (const w of renderMbr(layoutMbr({ diskSize: size, align: MiB, partitions }), 42)) {
        fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
      }
      fs.closeSync(fd);
      return partx(file, "NR,START,END,TYPE,FLAGS");
    };
    const p = (
      size: string,
      primary: boolean,
      boot = false,
      type = 0x83,
    ): LayoutPartitionInput => ({
      name: size,
      size,
      primary,
      boot,
      type,
    });
    expect(write(GiB, [p("10MiB", false)])).toEqual([
      ["1", "2048", "2097151", "0xf", "0x0"],
      ["5", "4096", "24575", "0x83", "0x0"],
    ]);
    expect(write(2 * GiB, [p("100%", true, true)])).toEqual([
      ["1", "2048", "4192255", "0x83", "0x80"],
    ]);
    expect(
      write(GiB, [p("8MiB", true, true, 0x41), p("100MiB", false), p("100%", false, false, 0x82)]),
    ).toEqual([
      ["1", "2048", "18431", "0x41", "0x80"],
      ["2", "18432", "2097151", "0xf", "0x0"],
      ["5", "20480", "225279", "0x83", "0x0"],
      ["6", "227328", "2097151", "0x82", "0x0"],
    ]);
  });

  it("applySectorWrites patches an in-memory disk head the same way", () => {
    const layout = layoutMbr({
      diskSize: GiB,
      align: MiB,
      partitions: [{ name: "r", size: "1MiB", primary: true, boot: false, type: 0x83 }],
    });
    const head = Buffer.alloc(4096, 0xff);
    applySectorWrites(head, renderMbr(layout, 1));
    expect(head.readUInt16LE(510)).toBe(0xaa55);
    expect(head[512]).toBe(0xff);
  });
});
