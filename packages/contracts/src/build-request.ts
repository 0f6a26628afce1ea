import { z } from "zod";

/** Output types Kiln can write (disk-image-create's `-t`). */
export const ZImageType = z.enum(["qcow2", "raw", "tar", "tgz", "vhd", "squashfs"]);
export type TImageType = z.infer<typeof ZImageType>;

/**
 * A build request: disk-image-create's flags as data. The CLI, the dashboard
 * and the agent protocol all speak this shape.
 */
export const ZBuildRequest = z.object({
  /** Elements as given (before `base` and block-device defaults are added). */
  elements: z
    .array(z.string().min(1))
    .min(1, "At least one distribution root element must be specified"),
  /** `-o`: output name (a trailing `.<type>` is stripped when one type is asked). */
  imageName: z.string().min(1).default("image"),
  /** `-t`: output types. */
  types: z.array(ZImageType).min(1).default(["qcow2"]),
  /** `-a`: target architecture. */
  arch: z.string().min(1),
  /** `-x` count: DIB_DEBUG_TRACE. */
  debugTrace: z.number().int().min(0).default(0),
  /** `-n`: do not add `base`. */
  skipBase: z.boolean().default(false),
  /** `-p`: extra packages installed after install.d. */
  packages: z.array(z.string().min(1)).default([]),
  /** `--image-size`: size in GB (fractions allowed). */
  imageSizeGb: z.number().positive().optional(),
  /** `--image-cache`: cache directory. */
  imageCache: z.string().min(1).optional(),
  /** `--no-tmpfs`. */
  noTmpfs: z.boolean().default(false),
  /** `--min-tmpfs`: GB of RAM needed to build in tmpfs. */
  minTmpfsGb: z.number().int().min(0).default(2),
  /** `--checksum`: write .md5 and .sha256 files. */
  checksum: z.boolean().default(false),
  /** `-u`: do not compress qcow2. */
  uncompressed: z.boolean().default(false),
  /** `--qemu-img-options`. */
  qemuImgOptions: z.string().optional(),
  /** `--mkfs-options`. */
  mkfsOptions: z.string().optional(),
  /** `--keep-on-failure`: leave the build dir for inspection. */
  keepOnFailure: z.boolean().default(false),
});
export type TBuildRequest = z.infer<typeof ZBuildRequest>;

/** `-o NAME`: one trailing `.<type>` is dropped when exactly one type is asked (DIB). */
export function imageBaseName(req: Pick<TBuildRequest, "imageName" | "types">): string {
  const only = req.types.length === 1 ? req.types[0] : undefined;
  return only && req.imageName.endsWith(`.${only}`)
    ? req.imageName.slice(0, -only.length - 1)
    : req.imageName;
}
