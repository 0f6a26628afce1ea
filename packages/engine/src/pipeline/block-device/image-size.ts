/**
 * The image size and root mkfs options disk-image-create computes before the
 * block-device layer runs (spec §5.9). `computeImageSize` is pure; only
 * `measureTreeKiB` touches the host.
 */
import { KilnError } from "@kiln/contracts/errors";
import { DEFAULT_HOST_ENV } from "../host/run-command.ts";
import type { CommandRunner } from "../host/types.ts";

export interface ImageSizeInput {
  /** `DIB_IMAGE_SIZE` / `--image-size`, in GB (GiB really: × 1024 × 1024 KiB); fractions allowed. */
  imageSizeGB?: number | string;
  /** Size of the built tree in KiB (from {@link measureTreeKiB}); required without `imageSizeGB`. */
  treeKiB?: number;
  /** `DIB_IMAGE_EXTRA_SIZE`, in MiB: added instead of the `/0.6` headroom. */
  extraSizeMiB?: number | string;
  /** `DIB_JOURNAL_SIZE`, in MiB (default 64); a whole number, as bash arithmetic needs. */
  journalSizeMiB?: number | string;
  /** The root filesystem type (`getval root-fstype`); `ext4` adds inode and journal options. */
  rootFsType?: string;
  /** `DIB_RELEASE`: `trusty` turns off ext4 `metadata_csum`. */
  release?: string;
  /** The expanded element names (`IMAGE_ELEMENT`); any containing `block-device-efi` adds the ESP. */
  elements?: string[];
  /** `--mkfs-options`: the user's extra root mkfs options (MKFS_OPTS starts from these). */
  mkfsOptions?: string;
  /** `--max-online-resize`: adds `-E resize=<N>`. */
  maxOnlineResize?: string;
}

export interface ImageSize {
  /** The image size in KiB, a multiple of 64 (exported by DIB as `DIB_IMAGE_SIZE`). */
  sizeKiB: number;
  /** The `image-size` block-device parameter: `<sizeKiB>KiB`. */
  imageSizeParam: string;
  /**
   * `MKFS_OPTS` exactly as d-i-c builds it (may end in a space; DIB strips it
   * when splitting). Pass as the `root-fs-opts` parameter when non-empty.
   */
  mkfsOpts: string;
  /** d-i-c's informational lines (`Expanding disk for EFI partition`). */
  messages: string[];
}

const KIB_PER_GB = 1024 * 1024;
const EFI_PAD_KIB = 525 * 1024;
const ALIGN_KIB = 64;

/** DIB's size computation; throws a `USAGE` KilnError naming a malformed variable. */
export function computeImageSize(input: ImageSizeInput): ImageSize {
  const messages: string[] = [];
  const fixed = input.imageSizeGB !== undefined && String(input.imageSizeGB) !== "";
  let sizeKiB: number;
  if (fixed) {
    sizeKiB = Math.trunc(toNumber(input.imageSizeGB, "DIB_IMAGE_SIZE") * KIB_PER_GB);
  } else {
    if (input.treeKiB === undefined) {
      throw new KilnError("USAGE", "image size: neither DIB_IMAGE_SIZE nor the tree size is known");
    }
    const extra = input.extraSizeMiB;
    if (extra !== undefined && String(extra) !== "") {
      sizeKiB = input.treeKiB + Math.trunc(toNumber(extra, "DIB_IMAGE_EXTRA_SIZE") * 1024);
    } else {
      // Headroom for metadata and the first boot's writes: the tree is 60 % of the image.
      sizeKiB = Math.trunc(input.treeKiB / 0.6);
    }
  }

  const journal = input.journalSizeMiB;
  const journalMiB =
    journal === undefined || String(journal) === "" ? 64 : toInteger(journal, "DIB_JOURNAL_SIZE");
  let mkfsOpts = input.mkfsOptions ?? "";
  if (input.rootFsType === "ext4") {
    // Many inodes and a large journal: DIB images are grown a lot after boot.
    mkfsOpts = `-i 4096 -J size=${journalMiB} ${mkfsOpts}`;
    if (input.release === "trusty") mkfsOpts = `-O ^metadata_csum ${mkfsOpts}`;
    if (!fixed) sizeKiB += journalMiB * 1024;
  }
  // d-i-c matches the space-joined element list, so block-device-efi-lvm counts too.
  if ((input.elements ?? []).some((e) => e.includes("block-device-efi"))) {
    messages.push("Expanding disk for EFI partition");
    sizeKiB += EFI_PAD_KIB;
  }
  // A multiple of 64 KiB avoids a qemu-img bug when compressing the raw image.
  if (sizeKiB % ALIGN_KIB !== 0) sizeKiB += ALIGN_KIB - (sizeKiB % ALIGN_KIB);
  if (input.maxOnlineResize) mkfsOpts = `-E resize=${input.maxOnlineResize} ${mkfsOpts}`;
  if (sizeKiB <= 0) {
    throw new KilnError("USAGE", `image size: computed size ${sizeKiB} KiB is not positive`);
  }
  return { sizeKiB, imageSizeParam: `${sizeKiB}KiB`, mkfsOpts, messages };
}

/**
 * The disk usage of a tree in KiB, staying on its filesystem: the total
 * d-i-c reads from `du -a -c -x`. `-s` gives the same total without listing
 * every file.
 */
export async function measureTreeKiB(
  dir: string,
  runner: CommandRunner,
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<number> {
  const out = await runner.capture("du", ["-s", "-x", "--block-size=1K", dir], {
    env: options.env ?? DEFAULT_HOST_ENV,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const total = Number.parseInt(out.trim().split("\n").at(-1)?.split("\t")[0] ?? "", 10);
  if (!Number.isFinite(total)) {
    throw new KilnError("HOST", `du ${dir}: unexpected output ${JSON.stringify(out.slice(0, 80))}`);
  }
  return total;
}

function toNumber(v: number | string | undefined, name: string): number {
  const n = typeof v === "number" ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < 0) {
    throw new KilnError("USAGE", `${name}: '${String(v)}' is not a non-negative number`);
  }
  return n;
}

function toInteger(v: number | string, name: string): number {
  const n = toNumber(v, name);
  if (!Number.isInteger(n))
    throw new KilnError("USAGE", `${name}: '${String(v)}' is not a whole number`);
  return n;
}
