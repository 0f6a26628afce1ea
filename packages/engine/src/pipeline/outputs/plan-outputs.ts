/**
 * Which output files a build writes and in what order (spec §6.1-6.3):
 * the tree types come from the mounted root tree, the disk types from the
 * raw image after the block devices are unmounted.
 */
import { z } from "zod";
import { KilnError } from "@kiln/contracts/errors";

/** Types made from the mounted tree (DIB step 25). */
export const TREE_TYPES = ["tar", "tgz", "squashfs"] as const;
/** Formats handed to `qemu-img convert -O <type>` as DIB does for "anything else". */
export const QEMU_TYPES = ["qcow2", "qcow", "qed", "vdi", "vmdk", "vhdx", "vpc"] as const;
/** Every type `writeOutputs` accepts. */
export const OUTPUT_TYPES = [...TREE_TYPES, "raw", "vhd", ...QEMU_TYPES] as const;

export type TOutputType = (typeof OUTPUT_TYPES)[number];
export type TTreeType = (typeof TREE_TYPES)[number];
export type TDiskType = Exclude<TOutputType, TTreeType>;

/** One file the build produced. */
export const ZArtifact = z.object({
  /** The output type (`qcow2`, `raw`, `tar`, …). */
  kind: z.string(),
  /** Absolute path of the file. */
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Hex digests of the file's content (always computed). */
  sha256: z.string(),
  md5: z.string(),
  /** The `.md5`/`.sha256` files written next to it, when checksums were asked for. */
  checksumFiles: z.array(z.string()).optional(),
});
export type TArtifact = z.infer<typeof ZArtifact>;

export interface OutputPlan {
  /** `-o NAME` after DIB's one-type suffix strip; the prefix of every output. */
  imageName: string;
  /** Tree outputs in request order; `tgz` implies a tar made first. */
  tree: TTreeType[];
  /** Disk conversions in request order, `raw` moved to the end (it consumes the image). */
  disk: TDiskType[];
  /** Whether the tar file is kept (asked for), or only made to feed `tgz`. */
  keepTar: boolean;
}

/** The file extension DIB gives a type: `.squash` for squashfs, else the type. */
export function outputExtension(type: TOutputType): string {
  return type === "squashfs" ? "squash" : type;
}

/**
 * DIB's naming (spec §6.3): with exactly one type, one trailing `.<type>` is
 * stripped from the name (`-o foo.qcow2 -t qcow2` → `foo.qcow2`).
 */
export function stripTypeSuffix(imageName: string, types: string[]): string {
  if (types.length !== 1) return imageName;
  const suffix = `.${types[0]}`;
  return imageName.endsWith(suffix) ? imageName.slice(0, -suffix.length) : imageName;
}

/**
 * Validate and order the requested types. Unknown types (and DIB's `aci` and
 * `docker`, which Kiln does not produce) are a `USAGE` error naming the type.
 */
export function planOutputs(imageName: string, types: string[]): OutputPlan {
  if (types.length === 0) throw new KilnError("USAGE", "output types: none given");
  if (imageName === "") throw new KilnError("USAGE", "output name: empty");
  const seen = new Set<TOutputType>();
  for (const t of types) {
    if (!(OUTPUT_TYPES as readonly string[]).includes(t)) {
      const hint =
        t === "aci" || t === "docker" ? " (DIB's aci and docker outputs are not supported)" : "";
      throw new KilnError(
        "USAGE",
        `output type '${t}' is not supported${hint}; use one of ${OUTPUT_TYPES.join(", ")}`,
      );
    }
    seen.add(t as TOutputType);
  }
  const ordered = [...seen];
  const tree = ordered.filter((t): t is TTreeType => (TREE_TYPES as readonly string[]).includes(t));
  const disk = ordered.filter(
    (t): t is TDiskType => !(TREE_TYPES as readonly string[]).includes(t),
  );
  const raw = disk.indexOf("raw");
  if (raw >= 0) disk.push(...disk.splice(raw, 1));
  return {
    imageName: stripTypeSuffix(imageName, types),
    tree,
    disk,
    // DIB deletes the tar after gzipping even when `tar` was asked for too; Kiln keeps it.
    keepTar: seen.has("tar"),
  };
}
