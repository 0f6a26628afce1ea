/**
 * Mount bookkeeping: reading /proc/mounts, making mounts (and remembering
 * them), and taking down every mount beneath a directory without ever
 * touching one outside it.
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import { HostError } from "./errors.ts";
import { DEFAULT_HOST_ENV } from "./run-command.ts";
import { findProcessesWithin, killPids, type KilledProcess } from "./kill-processes.ts";

/** One line of /proc/mounts, escapes decoded. */
export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

/** /proc/mounts writes space, tab, newline and backslash in paths as `\ooo` octal escapes. */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parse the text of /proc/mounts (or /proc/self/mounts); malformed lines are skipped. */
export function parseProcMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 4) continue;
    out.push({
      source: decodeMountField(f[0]!),
      target: decodeMountField(f[1]!),
      fstype: f[2]!,
      options: f[3]!.split(","),
    });
  }
  return out;
}

/** Current mounts of this mount namespace, in mount order. */
export function listMounts(procMounts = "/proc/mounts"): MountEntry[] {
  return parseProcMounts(fs.readFileSync(procMounts, "utf8"));
}

/**
 * Resolve a directory the way the kernel reports mount targets. A directory
 * that no longer exists is resolved as far as its parent allows, so a removed
 * build dir still matches what is left mounted (or attached) in its name.
 */
export function resolveDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(resolveDir(parent), path.basename(abs));
  }
}

function depth(p: string): number {
  return p.split("/").length;
}

/**
 * Mounts strictly beneath `dir` (or also on it, with `includeSelf`), deepest
 * first; stacked mounts on one target come newest first, the order in which
 * `umount` peels them.
 */
export function listMountsUnder(
  dir: string,
  opts: { includeSelf?: boolean; mounts?: MountEntry[] } = {},
): MountEntry[] {
  const root = resolveDir(dir);
  const all = opts.mounts ?? listMounts();
  const picked = all
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.target.startsWith(root + "/") || (opts.includeSelf && m.target === root));
  picked.sort((a, b) => depth(b.m.target) - depth(a.m.target) || b.i - a.i);
  return picked.map(({ m }) => m);
}

/** What `mount` should do: `mount [-t fstype] [-o options] source target`. */
export interface MountOptions {
  source: string;
  target: string;
  /** Filesystem type (`-t`); omitted for binds. */
  fstype?: string;
  /** Mount options (`-o`), e.g. `["ro"]` or `["bind"]`. */
  options?: string[];
}

export interface MountTrackerOptions {
  runner: CommandRunner;
  logger?: Logger;
  /** Environment for mount/umount (default: host PATH, C locale). */
  env?: Record<string, string>;
}

/**
 * Makes mounts and remembers them, so a build can undo exactly what it did.
 * Teardown does not depend on it (it sweeps /proc/mounts), but it lets a
 * phase release its own mounts early, newest first.
 */
export class MountTracker {
  private readonly made: string[] = [];
  private readonly runner: CommandRunner;
  private readonly logger: Logger;
  private readonly env: Record<string, string>;

  constructor(opts: MountTrackerOptions) {
    this.runner = opts.runner;
    this.logger = opts.logger ?? silentLogger;
    this.env = opts.env ?? DEFAULT_HOST_ENV;
  }

  /** Targets this tracker mounted and has not unmounted, oldest first. */
  get mounted(): readonly string[] {
    return [...this.made];
  }

  async mount(opts: MountOptions): Promise<void> {
    const args: string[] = [];
    if (opts.fstype) args.push("-t", opts.fstype);
    if (opts.options?.length) args.push("-o", opts.options.join(","));
    args.push(opts.source, opts.target);
    this.logger.debug("mount", { ...opts });
    await this.runner.capture("mount", args, { env: this.env });
    this.made.push(path.resolve(opts.target));
  }

  /**
   * Bind `src` onto `dst`. A read-only bind takes two steps: the kernel
   * ignores `ro` on the initial bind and only honours it on a remount.
   * `private` cuts the bind out of `src`'s peer group: on hosts where `/` is
   * shared (systemd), a bind of /dev is a peer of the host's /dev, and a devpts
   * mounted on it would otherwise appear on the host's /dev/pts too.
   */
  async bindMount(
    src: string,
    dst: string,
    opts: { readOnly?: boolean; private?: boolean } = {},
  ): Promise<void> {
    await this.mount({ source: src, target: dst, options: ["bind"] });
    try {
      if (opts.private) {
        await this.runner.capture("mount", ["--make-private", dst], { env: this.env });
      }
      if (opts.readOnly) {
        await this.runner.capture("mount", ["-o", "remount,bind,ro", dst], { env: this.env });
      }
    } catch (err) {
      // A bind that should have been read-only or private must not stay as it is.
      await this.unmount(dst).catch(() => {});
      throw err;
    }
  }

  /** Unmount one target (the newest mount on it). */
  async unmount(target: string): Promise<void> {
    const abs = path.resolve(target);
    await this.runner.capture("umount", [abs], { env: this.env });
    const i = this.made.lastIndexOf(abs);
    if (i >= 0) this.made.splice(i, 1);
  }
}

/** What `unmountAllUnder` did. */
export interface UnmountReport {
  /** Targets unmounted, in order (a target appears once per mount peeled). */
  unmounted: string[];
  /** Targets that needed `umount -l` (detached but possibly still in use). */
  lazy: string[];
  /** Processes killed because they kept a mount busy. */
  killed: KilledProcess[];
  /** One line per mount that could not be taken down. */
  errors: string[];
}

export interface UnmountAllOptions {
  runner: CommandRunner;
  logger?: Logger;
  /** Also unmount a mount on `dir` itself (e.g. a tmpfs build dir). Default false. */
  includeSelf?: boolean;
  /** SIGTERM→SIGKILL grace for processes that keep a mount busy (default 3000 ms). */
  killGraceMs?: number;
  env?: Record<string, string>;
  /**
   * Mounts to leave alone, e.g. the image filesystems the block-device layer
   * unmounts itself (DIB's `DIB_MOUNTPOINTS` skip in `unmount_dir`).
   */
  skip?: (mount: MountEntry) => boolean;
}

/** Whether something is mounted at exactly `target` (a resolved path). */
export function isMounted(target: string): boolean {
  return listMounts().some((m) => m.target === target);
}

/**
 * Take down every mount beneath `dir`, deepest first: `umount`; if that fails,
 * kill the processes using the mount and retry; as the last resort
 * `umount -l`. Never throws; failures are in `errors`. Mounts outside `dir` are
 * never touched.
 */
export async function unmountAllUnder(
  dir: string,
  opts: UnmountAllOptions,
): Promise<UnmountReport> {
  const logger = opts.logger ?? silentLogger;
  const env = opts.env ?? DEFAULT_HOST_ENV;
  const report: UnmountReport = { unmounted: [], lazy: [], killed: [], errors: [] };
  const umount = async (args: string[]) => {
    try {
      await opts.runner.capture("umount", args, { env });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };

  // A mount holding a skipped one stays too: unmounting it (lazily) would take the kept one along.
  const skipped = (m: MountEntry, all: MountEntry[]) =>
    opts.skip !== undefined &&
    all.some(
      (k) => opts.skip!(k) && (k.target === m.target || k.target.startsWith(m.target + "/")),
    );
  const failed = new Set<string>();
  // Re-read after every pass: peeling one mount can reveal another stacked under it.
  for (let pass = 0; pass < 8; pass++) {
    const under = listMountsUnder(dir, { includeSelf: opts.includeSelf });
    const todo = under.filter((m) => !failed.has(m.target) && !skipped(m, under));
    if (todo.length === 0) break;
    for (const { target } of todo) {
      if (!isMounted(target)) continue;
      logger.info("unmount", { target });
      let error = await umount([target]);
      if (error === undefined || !isMounted(target)) {
        report.unmounted.push(target);
        continue;
      }
      const users = findProcessesWithin(target);
      if (users.length > 0) {
        logger.warn("killing processes that keep a mount busy", {
          target,
          processes: users.map((u) => `${u.comm}(${u.pid}) [${u.links.join(",")}]`),
        });
        report.killed.push(
          ...(await killPids(
            users.map((u) => u.pid),
            opts.killGraceMs,
          )),
        );
        error = await umount([target]);
        if (error === undefined || !isMounted(target)) {
          report.unmounted.push(target);
          continue;
        }
      }
      logger.warn("lazy unmount", { target, error });
      const lazyError = await umount(["-l", target]);
      if (lazyError === undefined || !isMounted(target)) {
        report.unmounted.push(target);
        report.lazy.push(target);
      } else {
        failed.add(target);
        report.errors.push(`cannot unmount ${target}: ${lazyError}`);
      }
    }
  }
  const left = listMountsUnder(dir, { includeSelf: opts.includeSelf });
  for (const m of left) {
    if (!failed.has(m.target) && !skipped(m, left))
      report.errors.push(`still mounted after unmounting: ${m.target}`);
  }
  return report;
}

/** Throw a `HostError` if any mount remains beneath (or on) `dir`. */
export function assertNothingMountedUnder(dir: string): void {
  const left = listMountsUnder(dir, { includeSelf: true });
  if (left.length > 0) {
    throw new HostError(`still mounted under ${dir}: ${left.map((m) => m.target).join(", ")}`);
  }
}
