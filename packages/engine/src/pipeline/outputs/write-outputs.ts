/**
 * Write a build's output files (spec §6.1-6.3): tar, tgz and squashfs from
 * the mounted root tree, then raw, vhd and qemu-img formats from the raw
 * disk image once the block devices are unmounted.
 *
 * Deliberate differences from DIB, each a DIB bug or a missing tool:
 * - qcow2 is compressed unless `uncompressed`, whatever other types come
 *   before it (DIB clears compression globally after any non-qcow2 type).
 * - vhd is made by `qemu-img convert -O vpc -o subformat=dynamic,force_size`:
 *   Debian has no `vhd-util`; DIB's two vhd-util steps (raw → fixed → dynamic)
 *   also end in a dynamic VHD, and `force_size` keeps the exact disk size
 *   instead of rounding to a CHS geometry.
 * - tar and squashfs leave out the *contents* of /proc, /sys and /dev (the
 *   directories stay): DIB's tar still has the host's /dev bind-mounted in it.
 *   The tar is sorted by name, so the same tree gives the same member order.
 * - squashfs is made whenever asked (DIB makes it only when it is the first type).
 * - `tar,tgz` keeps the tar (DIB deletes it after gzipping).
 * - every artifact, tar and squashfs included, goes through the same
 *   old-image rotation and checksum files (DIB does both only for disk
 *   conversions and tgz).
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { HostError } from "../host/errors.ts";
import { DEFAULT_HOST_ENV } from "../host/run-command.ts";
import type { CommandRunner } from "../host/types.ts";
import { checksumKinds, finishImage } from "./finish-image.ts";
import {
  outputExtension,
  planOutputs,
  type OutputPlan,
  type TArtifact,
  type TDiskType,
  type TOutputType,
} from "./plan-outputs.ts";

export interface WriteOutputsOptions {
  /** The requested types (`-t`), in order: tar, tgz, squashfs, raw, vhd, qcow2, vmdk, … */
  types: string[];
  /** `-o NAME` as the user gave it: a path prefix, relative to `cwd` unless absolute. */
  imageName: string;
  /** Where a relative `imageName` is resolved (default: the process's working directory). */
  cwd?: string;
  /** The raw disk image, unmounted and detached; needed by raw, vhd and qemu-img types. Consumed by `raw`. */
  rawImage?: string;
  /** The image's root tree (the mounted filesystems); needed by tar, tgz and squashfs. */
  rootTree?: string;
  /** `-u`: do not compress qcow2. */
  uncompressed?: boolean;
  /** `--qemu-img-options`: passed as `-o <value>` to qemu-img conversions. */
  qemuImgOptions?: string;
  /** `DIB_CHECKSUM`: `true`/`"1"` writes `.md5` and `.sha256`; a string may name either. */
  checksum?: boolean | string;
  /** `OVERWRITE_OLD_IMAGE=1`: replace existing outputs instead of renaming them aside. */
  overwrite?: boolean;
  /** `DIB_GZIP_BIN` (default `gzip`), split on spaces, run with `-9`. */
  gzipBin?: string;
  /** VHD flavour (default `dynamic`, what DIB's vhd-util steps produce). */
  vhdSubformat?: "dynamic" | "fixed";
  /** Environment of the tools (default PATH + LC_ALL=C). */
  env?: Record<string, string>;
  runner: CommandRunner;
  logger?: Logger;
  signal?: AbortSignal;
  /** Clock for old-image names (tests). */
  now?: () => Date;
  /** Called as each artifact is finished. */
  onArtifact?: (artifact: TArtifact) => void;
}

/**
 * Thrown when one output cannot be written; names the type and the file.
 * Partial files (`<file>-new`) are removed before it is thrown.
 */
export class OutputError extends HostError {
  constructor(
    readonly kind: string,
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`output ${kind} (${file}): ${detail}`, options);
  }
}

/** Tree outputs then disk outputs; for callers whose tree is still readable after unmounting. */
export async function writeOutputs(o: WriteOutputsOptions): Promise<TArtifact[]> {
  return [...(await writeTreeOutputs(o)), ...(await writeDiskOutputs(o))];
}

/** tar, tgz, squashfs from `rootTree`: call while the image's filesystems are mounted. */
export async function writeTreeOutputs(o: WriteOutputsOptions): Promise<TArtifact[]> {
  const ctx = context(o);
  const { plan } = ctx;
  if (plan.tree.length === 0) return [];
  const root = requireInput(plan.tree, o.rootTree, "root tree", "directory");
  const artifacts: TArtifact[] = [];
  const wantsTar = plan.tree.includes("tar") || plan.tree.includes("tgz");
  let tarFile: string | undefined;
  if (wantsTar) {
    const tar = ctx.target("tar");
    await ctx.produce("tar", tar.tmp, () =>
      ctx.exec("tar", [
        "-C",
        root,
        "-cf",
        tar.tmp,
        "--sort=name",
        "--anchored",
        "--exclude=./proc/*",
        "--exclude=./sys/*",
        "--exclude=./dev/*",
        "--xattrs",
        "--xattrs-include=*",
        ".",
      ]),
    );
    if (plan.keepTar) {
      artifacts.push(await ctx.finish("tar", tar));
      tarFile = tar.final;
    } else {
      tarFile = tar.tmp;
    }
  }
  try {
    for (const type of plan.tree) {
      if (type === "tgz") {
        const tgz = ctx.target("tgz");
        const [bin = "gzip", ...binArgs] = (o.gzipBin ?? "gzip").split(/\s+/).filter(Boolean);
        const src = tarFile as string;
        await ctx.produce("tgz", tgz.tmp, () =>
          ctx.exec("sh", [
            "-c",
            'in=$1; out=$2; shift 2; exec "$@" -9 < "$in" > "$out"',
            "sh",
            src,
            tgz.tmp,
            bin,
            ...binArgs,
          ]),
        );
        artifacts.push(await ctx.finish("tgz", tgz));
      } else if (type === "squashfs") {
        const sq = ctx.target("squashfs");
        await ctx.produce("squashfs", sq.tmp, () =>
          ctx.exec("mksquashfs", [
            root,
            sq.tmp,
            "-comp",
            "xz",
            "-noappend",
            "-no-recovery",
            "-no-progress",
            "-wildcards",
            "-e",
            "proc/*",
            "-e",
            "sys/*",
            "-e",
            "dev/*",
          ]),
        );
        artifacts.push(await ctx.finish("squashfs", sq));
      }
    }
  } finally {
    if (!plan.keepTar && tarFile) fs.rmSync(tarFile, { force: true });
  }
  return artifacts;
}

/**
 * raw, vhd and qemu-img formats from `rawImage`: call after the block devices
 * are unmounted and detached. `raw` runs last and moves the image away.
 */
export async function writeDiskOutputs(o: WriteOutputsOptions): Promise<TArtifact[]> {
  const ctx = context(o);
  const { plan } = ctx;
  if (plan.disk.length === 0) return [];
  const raw = requireInput(plan.disk, o.rawImage, "raw image", "file");
  const artifacts: TArtifact[] = [];
  for (const type of plan.disk) {
    const t = ctx.target(type);
    await ctx.produce(type, t.tmp, () => convert(ctx, type, raw, t.tmp));
    artifacts.push(await ctx.finish(type, t));
  }
  return artifacts;
}

/** The outputs' input (root tree or raw image), which must be given and exist; returns it. */
function requireInput(
  types: readonly string[],
  input: string | undefined,
  what: "root tree" | "raw image",
  kind: "directory" | "file",
): string {
  const prefix = `output ${types.join(",")}`;
  if (!input) throw new HostError(`${prefix}: no ${what} given`);
  const stat = fs.statSync(input, { throwIfNoEntry: false });
  if (kind === "directory" && !stat?.isDirectory()) {
    throw new HostError(`${prefix}: ${what} ${input} is not a directory`);
  }
  if (kind === "file" && !stat?.isFile()) {
    throw new HostError(`${prefix}: ${what} ${input} does not exist`);
  }
  return input;
}

interface Target {
  /** Absolute final path. */
  final: string;
  /** Absolute `<final>-new`. */
  tmp: string;
  /** `$IMAGE_NAME.<ext>` as the user spelled it. */
  display: string;
}

type Context = ReturnType<typeof context>;

function context(o: WriteOutputsOptions) {
  const plan: OutputPlan = planOutputs(o.imageName, o.types);
  const logger = o.logger ?? silentLogger;
  const env = o.env ?? DEFAULT_HOST_ENV;
  const cwd = o.cwd ?? process.cwd();
  const checksums = checksumKinds(o.checksum);
  const target = (type: TOutputType): Target => {
    const display = `${plan.imageName}.${outputExtension(type)}`;
    const final = path.resolve(cwd, display);
    return { final, tmp: `${final}-new`, display };
  };
  const exec = async (file: string, args: string[]): Promise<void> => {
    await o.runner.capture(file, args, { env, ...(o.signal ? { signal: o.signal } : {}) });
  };
  /** Run `make`; on failure remove the partial file and name the output. */
  const produce = async (kind: string, tmp: string, make: () => Promise<void>): Promise<void> => {
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.rmSync(tmp, { force: true });
    try {
      await make();
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      const detail = err instanceof Error ? err.message : String(err);
      throw new OutputError(kind, tmp.slice(0, -"-new".length), detail, { cause: err });
    }
  };
  const finish = async (kind: TOutputType, t: Target): Promise<TArtifact> => {
    const done = await finishImage({
      newPath: t.tmp,
      path: t.final,
      displayName: t.display,
      checksums,
      overwrite: o.overwrite ?? false,
      now: o.now ?? (() => new Date()),
      logger,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const artifact: TArtifact = {
      kind,
      path: t.final,
      bytes: done.bytes,
      sha256: done.sha256,
      md5: done.md5,
      ...(done.checksumFiles.length > 0 ? { checksumFiles: done.checksumFiles } : {}),
    };
    o.onArtifact?.(artifact);
    return artifact;
  };
  return { plan, logger, exec, produce, finish, target, options: o };
}

async function convert(ctx: Context, type: TDiskType, raw: string, out: string): Promise<void> {
  const o = ctx.options;
  if (type === "raw") {
    // Last of the disk types: the image is moved, not copied, as DIB does.
    try {
      fs.renameSync(raw, out);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      await ctx.exec("cp", ["--sparse=always", raw, out]);
      fs.rmSync(raw);
    }
    return;
  }
  if (type === "vhd") {
    const sub = o.vhdSubformat ?? "dynamic";
    await ctx.exec("qemu-img", [
      "convert",
      "-f",
      "raw",
      "-O",
      "vpc",
      "-o",
      `subformat=${sub},force_size`,
      raw,
      out,
    ]);
    return;
  }
  ctx.logger.info("Converting image using qemu-img convert");
  const args = ["convert"];
  if (type === "qcow2" && !o.uncompressed) args.push("-c");
  args.push("-f", "raw", "-O", type);
  if (o.qemuImgOptions) args.push("-o", o.qemuImgOptions);
  args.push(raw, out);
  await ctx.exec("qemu-img", args);
}
