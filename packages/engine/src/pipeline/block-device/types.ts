/**
 * What the block-device stage made on the host: DIB's `state.json` (spec
 * §5.6, §5.8) in the shape the pipeline needs. Plain data, so it can be
 * logged or saved and `umountBlockDevices` can run from it alone.
 */
import type { TMkfsType } from "../../block-device/schemas.ts";

/** One attached `local_loop` image. */
export interface LoopState {
  /** The local_loop node name (`image0`). */
  name: string;
  /** The sparse image file. */
  image: string;
  /** `/dev/loopN`. */
  device: string;
}

/** One filesystem made by a `mkfs` node (DIB `filesys[name]`). */
export interface FilesystemState {
  name: string;
  fsType: TMkfsType;
  label: string;
  uuid: string;
  device: string;
}

/** One mounted filesystem, in mount order. */
export interface MountedState {
  /** Mount point inside the image (`/`, `/boot/efi`). */
  mountPoint: string;
  /** Host path under the mount base. */
  path: string;
  /** The mount node name. */
  node: string;
  /** The mkfs node name. */
  filesystem: string;
  fsType: string;
  device: string;
  /**
   * Set when the kernel cannot mount this (FAT) filesystem: a tmpfs whose
   * source is `device` stands in at `path`, and `umountBlockDevices` copies
   * its files into the filesystem with mtools before unmounting it.
   */
  staged?: true;
}

export interface BlockDeviceState {
  /** Node name → device: `image0` → `/dev/loop0`, `root` → `/dev/loop0p1`. */
  devices: Record<string, string>;
  /** `getval image-path`: image0's image file. */
  imagePath: string;
  /** `getval image-block-device`: image0's loop device. */
  imageBlockDevice: string;
  /** `getval image-block-devices`: `" [image0]=/dev/loop0  [root]=/dev/loop0p1 "`. */
  imageBlockDevices: string;
  /** The fstab text `writefstab` writes (the caller copies it to `<root>/etc/fstab`). */
  fstab: string;
  /** Mounted filesystems in mount order (swap is not mounted and not listed). */
  mountPoints: MountedState[];
  /** The host path of the image's `/` (the root tree to copy into), when `/` is mounted. */
  rootPath?: string;
  loops: LoopState[];
  filesystems: Record<string, FilesystemState>;
  /** Loop devices that carry a partition table (their partitions are dropped with `partx -d`). */
  partitionedLoops: string[];
}
