/**
 * A stand-in for FAT filesystems the build host's kernel cannot mount (some
 * CI microVM kernels are built without vfat). The mount point gets a tmpfs
 * whose source is the FAT partition's device, so that in the chroot
 * `mountpoint /boot/efi` holds and `grub-install --efi-directory` finds the
 * partition and probes it as FAT (it refuses a plain directory of the root
 * filesystem: "doesn't look like an EFI partition"). At unmount the tmpfs's
 * files are copied into the partition with mtools, which needs no kernel
 * driver; then the tmpfs goes, so nothing stays behind in the root
 * filesystem.
 */
import fs from "node:fs";
import path from "node:path";
import type { MountPlan } from "../../block-device/plan-block-device.ts";
import { KilnError } from "@kiln/contracts/errors";
import type { Logger } from "@kiln/contracts/logger";
import { CommandNotFoundError, HostError } from "../host/errors.ts";
import { formatCommandLine } from "../host/run-command.ts";
import type { CommandRunner } from "../host/types.ts";

/** The mkfs types that make a FAT filesystem (the kernel mounts both as vfat). */
export const FAT_TYPES: ReadonlySet<string> = new Set(["vfat", "fat"]);

/** The filesystem names of a `/proc/filesystems` text (`nodev\ttmpfs`, `\text4`). */
export function parseProcFilesystems(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const name = line.split("\t").pop()?.trim();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Whether a filesystem of `fsType` must be staged instead of mounted: it is
 * FAT and the kernel lists no vfat. (`msdos` alone is not enough: it drops
 * long names.) The check is up front so a build never depends on the
 * wording of mount's error.
 */
export function needsStaging(fsType: string, procFilesystems: string): boolean {
  return FAT_TYPES.has(fsType) && !parseProcFilesystems(procFilesystems).has("vfat");
}

/**
 * Thrown before anything is made when a real mount is planned below a staged
 * one: its files would be copied into the FAT filesystem (or lost) if its
 * unmount failed before the copy. Code `BLOCK_DEVICE_CONFIG`.
 */
export class StagedMountNestingError extends KilnError {
  constructor(
    readonly mountPoint: string,
    readonly stagedMountPoint: string,
  ) {
    super(
      "BLOCK_DEVICE_CONFIG",
      `block-device config: mount point ${mountPoint} lies below ${stagedMountPoint}, a FAT ` +
        `filesystem this kernel cannot mount (no vfat), which Kiln stages and copies in with ` +
        `mtools; a filesystem cannot be mounted below it. Move ${mountPoint} elsewhere or build ` +
        `on a kernel with vfat`,
    );
  }
}

const within = (child: string, parent: string): boolean =>
  parent === "/" ? child !== "/" : child.startsWith(`${parent}/`);

/**
 * The mount nodes to stage, given the planned mounts in mount order and the
 * host's `/proc/filesystems` text. Throws `StagedMountNestingError` for a
 * real mount planned below a staged one; a staged one below a staged one is
 * fine (the inner one is copied first, the outer one then holds its empty
 * mount point).
 */
export function planStagedMounts(
  mountOrder: readonly MountPlan[],
  procFilesystems: string,
): Set<string> {
  const norm = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const mounts = mountOrder.filter((m) => m.fsType !== "swap");
  const staged = mounts.filter((m) => needsStaging(m.fsType, procFilesystems));
  for (const s of staged) {
    for (const m of mounts) {
      if (needsStaging(m.fsType, procFilesystems)) continue;
      if (within(norm(m.mountPoint), norm(s.mountPoint))) {
        throw new StagedMountNestingError(m.mountPoint, s.mountPoint);
      }
    }
  }
  return new Set(staged.map((m) => m.node));
}

/** Size in bytes of a block device per sysfs, or undefined when sysfs does not say. */
export function blockDeviceBytes(device: string): number | undefined {
  try {
    const sectors = fs.readFileSync(`/sys/class/block/${path.basename(device)}/size`, "utf8");
    const n = Number(sectors.trim()) * 512;
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tmpfs mount options of a stand-in: as large as the partition, so a
 * tree that cannot fit fails while it is written, not only at the copy; the
 * root directory 0755 as a fresh vfat mount shows it.
 */
export function stagingMountOptions(device: string): string[] {
  const bytes = blockDeviceBytes(device);
  return [...(bytes ? [`size=${bytes}`] : []), "mode=0755"];
}

/** Fails fast, before any device is made, when mtools is missing. */
export async function checkMtools(
  runner: CommandRunner,
  env: Record<string, string>,
): Promise<void> {
  try {
    await runner.capture("mcopy", ["-V"], { env });
  } catch (err) {
    if (!(err instanceof CommandNotFoundError)) throw err;
    throw new HostError(
      "this kernel has no vfat and mcopy is missing: install mtools (Debian package `mtools`) " +
        "to build images with a FAT filesystem here",
      { cause: err },
    );
  }
}

/**
 * Thrown when a staged tree cannot be copied into its FAT filesystem: a name
 * or file type FAT cannot hold (the kernel's vfat would have refused it when
 * it was written), or mcopy failed. Code `HOST`.
 */
export class StagedCopyError extends HostError {
  constructor(
    readonly mountPoint: string,
    readonly device: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot copy the staged ${mountPoint} into the vfat filesystem on ${device}: ${detail}`,
      options,
    );
  }
}

// FAT long names: printable ASCII only here (mtools would re-encode others
// through a DOS code page), none of the characters FAT reserves.
const BAD_NAME = /[^\x20-\x7e]|["*/:<>?\\|]/;

/**
 * Why the tree under `dir` cannot go onto FAT as it is, or undefined when it
 * can. `shownAs` is the image path of `dir`, used in the message.
 */
export function findFatProblem(dir: string, shownAs: string): string | undefined {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const seen = new Map<string, string>();
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const shown = path.posix.join(shownAs, e.name);
    if (BAD_NAME.test(e.name)) {
      return `${shown}: FAT names are printable ASCII without " * / : < > ? \\ |`;
    }
    if (/[. ]$/.test(e.name)) return `${shown}: a FAT name cannot end in a dot or a space`;
    if (Buffer.byteLength(e.name) > 255) return `${shown}: longer than FAT's 255 characters`;
    const folded = e.name.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) {
      return `${shown} and ${path.posix.join(shownAs, other)} are the same name on FAT (case-insensitive)`;
    }
    seen.set(folded, e.name);
    if (e.isSymbolicLink()) return `${shown} is a symbolic link, which FAT cannot hold`;
    if (e.isDirectory()) {
      const inner = findFatProblem(path.join(dir, e.name), shown);
      if (inner) return inner;
    } else if (!e.isFile()) {
      return `${shown} is not a regular file or directory, which FAT cannot hold`;
    }
  }
  return undefined;
}

export interface CopyStagedOptions {
  /** The host directory of the stand-in. */
  dir: string;
  /** The FAT partition (`/dev/loop0p1`). */
  device: string;
  /** The image path (`/boot/efi`), for messages. */
  mountPoint: string;
  runner: CommandRunner;
  env: Record<string, string>;
  logger: Logger;
}

/**
 * Copy everything under `dir` into the root of the FAT filesystem on
 * `device`: nested and empty directories, hidden files, modification times.
 * Existing entries are overwritten, so a retry after a failed copy is safe.
 * Returns the number of top-level entries copied.
 */
export async function copyStagedToFat(o: CopyStagedOptions): Promise<number> {
  const problem = findFatProblem(o.dir, o.mountPoint);
  if (problem) throw new StagedCopyError(o.mountPoint, o.device, problem);
  const entries = fs.readdirSync(o.dir).sort();
  if (entries.length === 0) {
    o.logger.info(`${o.mountPoint} is empty: nothing to copy into ${o.device}`);
    return 0;
  }
  // -s recurse, -p keep attributes, -m keep mtimes, -Q stop at the first
  // error, -D o overwrite a clash instead of asking on the closed stdin.
  const args = ["-s", "-p", "-m", "-Q", "-D", "o", "-i", o.device];
  args.push(...entries.map((e) => path.join(o.dir, e)), "::/");
  // The partition's geometry is whatever mkfs chose; mtools need not judge it.
  const env = { ...o.env, MTOOLS_SKIP_CHECK: "1" };
  o.logger.info(`Calling [${formatCommandLine("mcopy", args)}]`);
  try {
    await o.runner.capture("mcopy", args, { env });
    await o.runner.capture("sync", [], { env: o.env });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new StagedCopyError(o.mountPoint, o.device, detail, { cause: err });
  }
  return entries.length;
}
