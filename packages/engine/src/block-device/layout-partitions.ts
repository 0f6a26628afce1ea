/**
 * Partition layout as DIB computes it when it creates the table: MBR (spec
 * §5.5, `level1/mbr.py`, written by Kiln itself) and GPT (spec §5.4 "GPT
 * sizing", handed to sgdisk). Pure arithmetic: no device is touched.
 */
import { BlockDeviceConfigError, InvalidSizeError } from "./errors.ts";
import { parseRelSize } from "./parse-size.ts";

const SECTOR = 512;
const MIB = 1024 * 1024;
const U32_MAX = 0xffffffff;

/** One partition as the layout needs it. */
export interface LayoutPartitionInput {
  name: string;
  /** Size spec; `%` is of the space still free at this partition. */
  size: string;
  boot: boolean;
  /** MBR: primary (else logical). Ignored for GPT. */
  primary: boolean;
  /** MBR: type byte; GPT: sgdisk type code. */
  type: number | string;
}

/** A 16-byte partition table entry DIB's MBR writer emits. */
export interface MbrEntry {
  /** Sector (LBA) holding the table: 0 for the MBR, else an EBR. */
  sector: number;
  /** Entry slot 0-3 (at byte 446 + 16 × slot of the sector). */
  slot: number;
  boot: boolean;
  type: number;
  /** Start LBA (absolute in the MBR, relative in EBRs as DIB writes them). */
  lbaStart: number;
  lbaLength: number;
}

export interface MbrPartitionLayout {
  name: string;
  /** Partition number as the kernel/kpartx sees it: 1-4 primary, 5… logical. */
  number: number;
  primary: boolean;
  boot: boolean;
  type: number;
  /** Size asked for, in bytes (after `%` resolution). */
  requestedBytes: number;
  /** First data sector (absolute LBA). */
  startLba: number;
  lengthLba: number;
  /** Logical partitions: the sector of their EBR. */
  ebrLba?: number;
  /** Byte offset and length of the data area. */
  offset: number;
  bytes: number;
}

export interface MbrLayout {
  label: "mbr";
  diskSize: number;
  alignBlocks: number;
  partitions: MbrPartitionLayout[];
  /** Every table entry, in the order DIB writes them. */
  entries: MbrEntry[];
  /** Sectors that get the 0xAA55 signature (the MBR and each EBR). */
  signatureSectors: number[];
}

/** DIB's MBR algorithm; throws a {@link BlockDeviceConfigError} naming the partition. */
/** A partition's size in bytes out of `free`; a bad size spec fails through `fail`. */
function partitionBytes(spec: string, free: number, fail: (detail: string) => never): number {
  try {
    return parseRelSize(spec, free).bytes;
  } catch (err) {
    if (err instanceof InvalidSizeError) return fail(`size: ${err.message}`);
    throw err;
  }
}

export function layoutMbr(opts: {
  diskSize: number;
  align: number;
  partitions: LayoutPartitionInput[];
  /** Name of the disk, for messages. */
  disk?: string;
}): MbrLayout {
  const { diskSize } = opts;
  const disk = opts.disk ?? "disk";
  if (diskSize % SECTOR !== 0) {
    throw new BlockDeviceConfigError(`'${disk}': size ${diskSize} is not a multiple of 512 bytes`);
  }
  const A = Math.floor(opts.align / SECTOR);
  const alignUp = (b: number): number => (b % A === 0 ? b : (Math.floor(b / A) + 1) * A);
  const diskBlocks = diskSize / SECTOR;
  const entries: MbrEntry[] = [];
  const signatureSectors = [0];
  const partitions: MbrPartitionLayout[] = [];
  let absStart = alignUp(1);
  let nextFree = absStart;
  let number = 0;
  let primaries = 0;
  let logicals = 0;
  let lastEbr = 0;

  for (const p of opts.partitions) {
    const fail = (d: string): never => {
      throw new BlockDeviceConfigError(`partition '${p.name}' on '${disk}': ${d}`);
    };
    const free = diskSize - (nextFree + alignUp(1)) * SECTOR;
    const size = partitionBytes(p.size, free, fail);
    const type = p.type as number;
    const len = Math.floor(size / SECTOR);
    if (len <= 0) fail(`size '${p.size}' is less than one sector`);
    if (p.primary) {
      if (logicals > 0) fail("primary partitions must be listed before logical ones");
      if (primaries === 4) fail("an MBR holds at most 4 primary partitions");
      const start = alignUp(nextFree);
      const end = alignUp(start + len);
      entries.push({
        sector: 0,
        slot: number,
        boot: p.boot,
        type,
        lbaStart: start,
        lbaLength: len,
      });
      checkFits(fail, start, len, end);
      nextFree = end;
      primaries++;
      number++;
      partitions.push(layout(p, number, size, start, len));
    } else {
      if (logicals === 0) {
        if (primaries > 3) fail("no MBR slot left for the extended partition (4 primaries)");
        absStart = nextFree;
        entries.push({
          sector: 0,
          slot: number,
          boot: false,
          type: 0x0f,
          lbaStart: nextFree,
          lbaLength: diskBlocks - nextFree,
        });
        number = 4;
      }
      const ebr = nextFree;
      const start = alignUp(ebr + 1);
      const end = alignUp(start + len);
      checkFits(fail, start, len, end);
      if (lastEbr !== 0) {
        entries.push({
          sector: lastEbr,
          slot: 1,
          boot: false,
          type: 0x05,
          lbaStart: ebr - absStart,
          lbaLength: end - ebr,
        });
      }
      entries.push({
        sector: ebr,
        slot: 0,
        boot: p.boot,
        type,
        lbaStart: alignUp(1),
        lbaLength: len,
      });
      signatureSectors.push(ebr);
      nextFree = end;
      lastEbr = ebr;
      logicals++;
      number++;
      partitions.push({ ...layout(p, number, size, start, len), ebrLba: ebr });
    }
  }
  return { label: "mbr", diskSize, alignBlocks: A, partitions, entries, signatureSectors };

  function checkFits(fail: (d: string) => never, start: number, len: number, end: number): void {
    if (start + len > diskBlocks) {
      fail(
        `does not fit: it would end at byte ${(start + len) * SECTOR} of a ${diskSize}-byte disk`,
      );
    }
    if (end > U32_MAX || len > U32_MAX) fail("MBR cannot address beyond 2 TiB (use gpt)");
  }
}

function layout(
  p: LayoutPartitionInput,
  number: number,
  requestedBytes: number,
  startLba: number,
  lengthLba: number,
): MbrPartitionLayout {
  return {
    name: p.name,
    number,
    primary: p.primary,
    boot: p.boot,
    type: p.type as number,
    requestedBytes,
    startLba,
    lengthLba,
    offset: startLba * SECTOR,
    bytes: lengthLba * SECTOR,
  };
}

export interface GptPartitionLayout {
  name: string;
  /** 1-based partition number. */
  number: number;
  /** sgdisk type code. */
  type: string;
  boot: boolean;
  /** Size asked for, in bytes (after `%` resolution). */
  requestedBytes: number;
  /** What sgdisk is told: `+<sizeMiB>M`. */
  sizeMiB: number;
  /**
   * Where sgdisk will put the partition with its default 1 MiB alignment:
   * a prediction (sgdisk decides), in bytes.
   */
  predictedOffset: number;
}

export interface GptLayout {
  label: "gpt";
  diskSize: number;
  partitions: GptPartitionLayout[];
}

/** DIB's GPT sizing: 2 MiB held back, `%` of what is left, whole MiB to sgdisk. */
export function layoutGpt(opts: {
  diskSize: number;
  partitions: LayoutPartitionInput[];
  disk?: string;
}): GptLayout {
  const disk = opts.disk ?? "disk";
  let free = opts.diskSize - 2 * MIB;
  let offset = MIB;
  const partitions = opts.partitions.map((p, i): GptPartitionLayout => {
    const fail = (d: string): never => {
      throw new BlockDeviceConfigError(`partition '${p.name}' on '${disk}': ${d}`);
    };
    const size = partitionBytes(p.size, free, fail);
    if (size > free) {
      fail(`needs ${size} bytes but only ${free} are left (the image is smaller than the config)`);
    }
    const sizeMiB = Math.floor(size / MIB);
    if (sizeMiB <= 0) fail(`size '${p.size}' is less than 1 MiB, which sgdisk cannot be given`);
    const part = {
      name: p.name,
      number: i + 1,
      type: String(p.type),
      boot: p.boot,
      requestedBytes: size,
      sizeMiB,
      predictedOffset: offset,
    };
    free -= size;
    offset += sizeMiB * MIB;
    return part;
  });
  return { label: "gpt", diskSize: opts.diskSize, partitions };
}

/**
 * The one sgdisk call DIB makes for a GPT table. DIB passes the image file
 * (not the loop device) as `target`; names may contain spaces (one argv each).
 */
export function sgdiskCommand(layout: GptLayout, target: string): string[] {
  const cmd = ["sgdisk", target];
  for (const p of layout.partitions) {
    cmd.push("-n", `${p.number}:0:+${p.sizeMiB}M`, "-t", `${p.number}:${p.type}`);
    cmd.push("-c", `${p.number}:${p.name}`);
  }
  return cmd;
}
