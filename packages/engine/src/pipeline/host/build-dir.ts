/**
 * A build's two scratch directories (DIB's TMP_BUILD_DIR and TMP_IMAGE_DIR),
 * each carrying a marker that lets a later run tell a crashed build from a
 * live one.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import { HostError } from "./errors.ts";
import { DEFAULT_HOST_ENV } from "./run-command.ts";
import { readStartTime } from "./kill-processes.ts";

/** Name of the marker file written into each build directory. */
export const MARKER_FILE = ".kiln-build.json";

/** Directory names this layer creates: `kiln-build.XXXXXXXX`, `kiln-image.XXXXXXXX`. */
export const BUILD_DIR_NAME = /^kiln-(build|image)\.[A-Za-z0-9]{8}$/;

export const ZBuildMarker = z.object({
  /** Which of the pair this directory is. */
  kind: z.enum(["build", "image"]),
  /** Pid (host pid namespace) of the process running the build. */
  pid: z.number().int().positive(),
  /** That process's start time (clock ticks since boot), so a reused pid is not mistaken for it. */
  pidStartTime: z.number().optional(),
  /** ISO time the directory was made. */
  startedAt: z.string(),
  /** /proc/sys/kernel/random/boot_id when it was made: a different boot means the build is dead. */
  bootId: z.string(),
});
export type TBuildMarker = z.infer<typeof ZBuildMarker>;

export interface CreateBuildDirOptions {
  /** Parent directory (DIB's TMP_DIR, default /tmp in the caller). */
  tmpDir: string;
  /** Mount a tmpfs on each directory when RAM allows. */
  tmpfs: boolean;
  /** DIB_MIN_TMPFS in GiB: tmpfs is used only with at least twice this much RAM (default 2). */
  minTmpfsGb?: number;
  runner: CommandRunner;
  logger?: Logger;
  /** /proc/meminfo text, for tests (default: read the real one). */
  meminfo?: string;
}

export interface BuildDirs {
  /** DIB's TMP_BUILD_DIR: hooks/, mnt/, built/, block-device state. */
  buildDir: string;
  /** DIB's TMP_IMAGE_DIR: the raw image files. */
  imageDir: string;
  /** Whether both are tmpfs mounts. */
  tmpfs: boolean;
}

export function readBootId(): string {
  return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

/** MemTotal from /proc/meminfo in KiB (0 when unreadable). */
export function readMemTotalKb(meminfo?: string): number {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = fs.readFileSync("/proc/meminfo", "utf8");
    } catch {
      return 0;
    }
  }
  const m = /^MemTotal:\s+([0-9]+)\s*kB/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** DIB's tmpfs rule: RAM must be at least 2 × minTmpfsGb GiB. */
export function tmpfsFits(minTmpfsGb: number, memTotalKb: number): boolean {
  return memTotalKb >= minTmpfsGb * 2 * 1024 * 1024;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** mkdir a fresh `<prefix>.XXXXXXXX` (mode 0755: chroot hooks run as other users too). */
function makeUniqueDir(parent: string, prefix: string): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const suffix = [...crypto.randomBytes(8)].map((b) => ALPHABET[b % ALPHABET.length]).join("");
    const dir = path.join(parent, `${prefix}.${suffix}`);
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  throw new HostError(`cannot create a unique ${prefix}.XXXXXXXX directory in ${parent}`);
}

/** Write the marker; `kind` tells the build dir from the image dir. */
export function writeMarker(dir: string, kind: "build" | "image"): void {
  const marker: TBuildMarker = {
    kind,
    pid: process.pid,
    pidStartTime: readStartTime(process.pid),
    startedAt: new Date().toISOString(),
    bootId: readBootId(),
  };
  fs.writeFileSync(path.join(dir, MARKER_FILE), JSON.stringify(marker) + "\n");
}

/** The marker of a directory, or undefined when it is missing or unreadable. */
export function readMarker(dir: string): TBuildMarker | undefined {
  try {
    return ZBuildMarker.parse(JSON.parse(fs.readFileSync(path.join(dir, MARKER_FILE), "utf8")));
  } catch {
    return undefined;
  }
}

/**
 * Create the build and image directories under `tmpDir`, optionally as tmpfs
 * mounts. The marker is written both beneath the tmpfs and inside it: inside
 * so it is visible while mounted, beneath so a directory left over from before
 * a reboot (tmpfs gone) is still recognised.
 */
export async function createBuildDir(opts: CreateBuildDirOptions): Promise<BuildDirs> {
  const logger = opts.logger ?? silentLogger;
  let parent: string;
  try {
    parent = fs.realpathSync(opts.tmpDir);
  } catch (err) {
    throw new HostError(`build tmp dir ${opts.tmpDir} is not usable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const minTmpfsGb = opts.minTmpfsGb ?? 2;
  let tmpfs = opts.tmpfs;
  if (tmpfs) {
    const memKb = readMemTotalKb(opts.meminfo);
    if (!tmpfsFits(minTmpfsGb, memKb)) {
      logger.warn(
        `not enough RAM to use tmpfs for the build, using ${parent} ` +
          `(${memKb} kB < ${minTmpfsGb * 2} GiB)`,
        { memTotalKb: memKb, minTmpfsGb },
      );
      tmpfs = false;
    }
  }
  const created: string[] = [];
  const mounted: string[] = [];
  try {
    for (const kind of ["build", "image"] as const) {
      const dir = makeUniqueDir(parent, `kiln-${kind}`);
      created.push(dir);
      writeMarker(dir, kind);
      if (tmpfs) {
        await opts.runner.capture("mount", ["-t", "tmpfs", "tmpfs", dir], {
          env: DEFAULT_HOST_ENV,
        });
        mounted.push(dir);
        writeMarker(dir, kind);
      }
    }
  } catch (err) {
    for (const dir of mounted.reverse()) {
      await opts.runner.run("umount", [dir], { env: DEFAULT_HOST_ENV }).catch(() => undefined);
    }
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
    if (err instanceof HostError) throw err;
    throw new HostError(`cannot create build directories in ${parent}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  logger.info("build directories", { buildDir: created[0], imageDir: created[1], tmpfs });
  return { buildDir: created[0]!, imageDir: created[1]!, tmpfs };
}
