/**
 * The argv DIB's nodes run (spec §5.4), as pure functions of a node and the
 * runtime devices, so the pipeline and `kiln block-device plan` agree.
 * Each is run under sudo by DIB; the runner decides how Kiln runs them.
 */
import type { MkfsNode } from "./types.ts";

/** `mkfs -t <type> [opts…] (-n LABEL | -L label) [-U uuid | -m uuid=…] [-q] <device>`, or mkswap. */
export function mkfsCommand(node: MkfsNode, device: string): string[] {
  if (node.fsType === "swap") return ["mkswap", "-L", node.label, "-U", node.uuid, device];
  const cmd = ["mkfs", "-t", node.fsType];
  // DIB tests the list's truthiness, so `opts: ""` still adds one empty argument.
  if (node.opts && node.opts.length > 0) cmd.push(...node.opts);
  if (node.fsType === "vfat" || node.fsType === "fat") cmd.push("-n", node.label);
  else cmd.push("-L", node.label);
  if (node.fsType === "ext2" || node.fsType === "ext3" || node.fsType === "ext4") {
    cmd.push("-U", node.uuid);
  } else if (node.fsType === "xfs") {
    cmd.push("-m", `uuid=${node.uuid}`);
  }
  if (["ext2", "ext3", "ext4", "xfs"].includes(node.fsType)) cmd.push("-q");
  cmd.push(device);
  return cmd;
}

/** Where a mount point lands under `mountBase`, as Python's `os.path.join` builds it. */
export function mountPath(mountBase: string, mountPoint: string): string {
  const rel = mountPoint.startsWith("/") ? mountPoint.slice(1) : mountPoint;
  if (rel.startsWith("/")) return rel;
  return mountBase.endsWith("/") ? mountBase + rel : `${mountBase}/${rel}`;
}

/** `/dev/mapper/<loopX>p<N>`: the kpartx device of partition N on a loop device. */
export function partitionDevice(loopDevice: string, number: number): string {
  return `/dev/mapper/${loopDevice.replace(/^\/dev\//, "")}p${number}`;
}
