/**
 * Render an {@link MbrLayout} to bytes, byte for byte as DIB's `mbr.py`
 * writes them into a fresh (zeroed) image: disk id at 440, entries at
 * 446 + 16 × slot, 0xAA55 at 510 of the MBR and of every EBR. Each touched
 * sector is returned whole (zeros elsewhere), so writing these sectors to a
 * new image gives exactly DIB's result.
 */
import { randomInt } from "node:crypto";
import type { MbrEntry, MbrLayout } from "./layout-partitions.ts";

const SECTOR = 512;
const HEADS = 254;
const SECTORS = 63;
const CYLINDERS = 1023;

/** A whole sector to write at `offset` (bytes) of the disk. */
export interface SectorWrite {
  offset: number;
  bytes: Buffer;
}

/**
 * The sectors of the partition table, sorted by offset. `diskId` is DIB's
 * random 32-bit disk signature; pass one for reproducible output.
 */
export function renderMbr(
  layout: MbrLayout,
  diskId: number = randomInt(0, 2 ** 32),
): SectorWrite[] {
  const sectors = new Map<number, Buffer>();
  const sector = (lba: number): Buffer => {
    let buf = sectors.get(lba);
    if (!buf) {
      buf = Buffer.alloc(SECTOR);
      sectors.set(lba, buf);
    }
    return buf;
  };
  sector(0).writeUInt32LE(diskId >>> 0, 440);
  for (const lba of layout.signatureSectors) sector(lba).writeUInt16LE(0xaa55, 510);
  for (const e of layout.entries) writeEntry(sector(e.sector), e);
  return [...sectors.entries()]
    .sort(([a], [b]) => a - b)
    .map(([lba, bytes]) => ({ offset: lba * SECTOR, bytes }));
}

/** Apply sector writes to a buffer holding the start of a disk (tests, small images). */
export function applySectorWrites(disk: Buffer, writes: SectorWrite[]): void {
  for (const w of writes) w.bytes.copy(disk, w.offset);
}

function writeEntry(buf: Buffer, e: MbrEntry): void {
  const at = 446 + 16 * e.slot;
  buf[at] = e.boot ? 0x80 : 0x00;
  encodeChs(lbaToChs(e.lbaStart)).copy(buf, at + 1);
  buf[at + 4] = e.type;
  encodeChs(lbaToChs(e.lbaStart + e.lbaLength)).copy(buf, at + 5);
  buf.writeUInt32LE(e.lbaStart, at + 8);
  buf.writeUInt32LE(e.lbaLength, at + 12);
}

/** DIB's LBA → (cylinder, head, sector) with 254 heads × 63 sectors, clamped. */
export function lbaToChs(lba: number): [number, number, number] {
  if (lba > HEADS * SECTORS * CYLINDERS) return [CYLINDERS, HEADS, SECTORS];
  return [
    Math.floor(lba / (HEADS * SECTORS)),
    Math.floor(lba / SECTORS) % HEADS,
    (lba % SECTORS) + 1,
  ];
}

/**
 * The 3 CHS bytes `[head, sector | cyl-bits, cylinder low]`. DIB puts
 * `cylinder // 4` in the sector byte (not the standard `(c >> 8) << 6`);
 * kept for byte-exact tables.
 */
export function encodeChs([c, h, s]: [number, number, number]): Buffer {
  return Buffer.from([h, (s | Math.floor(c / 4)) & 0xff, c % 256]);
}
