/**
 * Loop devices through `losetup -P` and `partx` only (no device-mapper, no
 * kpartx: they do not work in the containers Kiln builds in).
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import { HostError } from "./errors.ts";
import { DEFAULT_HOST_ENV } from "./run-command.ts";
import { isPathWithin } from "./kill-processes.ts";
import { resolveDir } from "./mounts.ts";

/** One attached loop device. */
export interface LoopDevice {
  /** `/dev/loopN`. */
  name: string;
  /** Backing file as the kernel reports it, without the " (deleted)" suffix. */
  backFile: string;
  /** The backing file has been unlinked since it was attached. */
  deleted: boolean;
}

/** A freshly attached image. */
export interface AttachedLoop {
  /** `/dev/loopN`. */
  device: string;
  /** `/dev/loopNpK` for every partition the kernel found, in partition order. */
  partitions: string[];
}

export interface LoopOptions {
  runner: CommandRunner;
  logger?: Logger;
  env?: Record<string, string>;
}

/** Parse `losetup -J -O NAME,BACK-FILE` (empty output means no loop device). */
export function parseLosetupJson(text: string): LoopDevice[] {
  if (text.trim() === "") return [];
  const data = JSON.parse(text) as {
    loopdevices?: { name: string; "back-file"?: string | null }[];
  };
  return (data.loopdevices ?? []).map((d) => {
    const raw = (d["back-file"] ?? "").trimEnd();
    const deleted = raw.endsWith(" (deleted)");
    return { name: d.name, backFile: deleted ? raw.slice(0, -" (deleted)".length) : raw, deleted };
  });
}

/** Every attached loop device on the host. */
export async function listLoops(opts: LoopOptions): Promise<LoopDevice[]> {
  const out = await opts.runner.capture("losetup", ["-J", "-O", "NAME,BACK-FILE"], {
    env: opts.env ?? DEFAULT_HOST_ENV,
  });
  return parseLosetupJson(out);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Partition names the kernel lists for a disk in sysfs (`loop3p1`, `loop3p2`, …), in order. */
export function listKernelPartitions(device: string, sysBlock = "/sys/block"): string[] {
  const disk = path.basename(device);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(path.join(sysBlock, disk));
  } catch {
    return [];
  }
  const re = new RegExp(`^${disk}p([0-9]+)$`);
  return entries
    .map((e) => ({ e, m: re.exec(e) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => x.e);
}

function isBlockDevice(p: string): boolean {
  try {
    return fs.statSync(p).isBlockDevice();
  } catch {
    return false;
  }
}

/** True while `/dev/loopN` has a backing file bound. */
export function isLoopAttached(device: string, sysBlock = "/sys/block"): boolean {
  return fs.existsSync(path.join(sysBlock, path.basename(device), "loop", "backing_file"));
}

/**
 * Attach `file` to the first free loop device with partition scanning, and
 * wait (up to `timeoutMs`, default 5 s) until every partition node exists.
 * On timeout the device is detached again before throwing.
 */
export async function attachLoop(
  file: string,
  opts: LoopOptions & { timeoutMs?: number },
): Promise<AttachedLoop> {
  const logger = opts.logger ?? silentLogger;
  const env = opts.env ?? DEFAULT_HOST_ENV;
  const abs = path.resolve(file);
  const device = (
    await opts.runner.capture("losetup", ["-P", "--show", "-f", abs], { env })
  ).trim();
  if (!/^\/dev\/loop[0-9]+$/.test(device)) {
    throw new HostError(`losetup -P --show -f ${abs} printed '${device}', not a loop device`);
  }
  logger.info("attached loop device", { device, file: abs });
  // -P already scanned; partx -u catches tables the first scan raced with. No table is fine.
  const partx = await opts.runner.run("partx", ["-u", device], { env });
  if (partx.exitCode !== 0) logger.debug("partx -u found nothing to update", { device });

  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  for (;;) {
    const nodes = listKernelPartitions(device).map((p) => `/dev/${p}`);
    const missing = nodes.filter((n) => !isBlockDevice(n));
    if (missing.length === 0) return { device, partitions: nodes };
    if (Date.now() >= deadline) {
      await detachLoop(device, opts).catch(() => {});
      throw new HostError(
        `partition device nodes did not appear within ${opts.timeoutMs ?? 5000} ms: ${missing.join(", ")}`,
      );
    }
    await sleep(50);
  }
}

/**
 * Detach a loop device; an already detached device is not an error. If a
 * mount still holds it, the kernel only marks it for auto-clear, so this
 * waits up to a second and throws if it is still bound.
 */
export async function detachLoop(device: string, opts: LoopOptions): Promise<void> {
  if (!isLoopAttached(device)) return;
  const env = opts.env ?? DEFAULT_HOST_ENV;
  const res = await opts.runner.run("losetup", ["-d", device], { env });
  const deadline = Date.now() + 1000;
  while (isLoopAttached(device) && Date.now() < deadline) await sleep(25);
  if (isLoopAttached(device)) {
    throw new HostError(
      `cannot detach ${device}` +
        (res.exitCode !== 0 ? ` (losetup -d exit ${res.exitCode})` : " (still in use)"),
    );
  }
  (opts.logger ?? silentLogger).info("detached loop device", { device });
}

/** Detach every loop device whose backing file lies beneath `dir`. Never throws. */
export async function detachLoopsBackedUnder(
  dir: string,
  opts: LoopOptions,
): Promise<{ detached: string[]; errors: string[] }> {
  const root = resolveDir(dir);
  const out = { detached: [] as string[], errors: [] as string[] };
  let loops: LoopDevice[];
  try {
    loops = await listLoops(opts);
  } catch (err) {
    out.errors.push(
      `cannot list loop devices: ${err instanceof Error ? err.message : String(err)}`,
    );
    return out;
  }
  for (const loop of loops) {
    if (!isPathWithin(loop.backFile, root) || loop.backFile === root) continue;
    try {
      await detachLoop(loop.name, opts);
      out.detached.push(loop.name);
    } catch (err) {
      out.errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}
