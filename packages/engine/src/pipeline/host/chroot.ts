/**
 * The pseudo-filesystems a chroot build needs, mounted as DIB does, and the
 * sweep that kills whatever still runs inside a chroot before unmounting.
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import type { MountTracker } from "./mounts.ts";
import { resolveDir } from "./mounts.ts";
import { DEFAULT_HOST_ENV } from "./run-command.ts";
import { findProcessesWithin, killPids, type KilledProcess } from "./kill-processes.ts";

/** devpts options used when the host's cannot be read (the kernel's usual ones). */
const FALLBACK_DEVPTS_OPTIONS = "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000";

/** The options of the host's /dev/pts mount, so the chroot's ptys behave the same. */
export async function readHostDevptsOptions(runner: CommandRunner): Promise<string> {
  try {
    const out = await runner.capture(
      "findmnt",
      ["--first-only", "/dev/pts", "--noheadings", "--output", "OPTIONS"],
      { env: DEFAULT_HOST_ENV },
    );
    return out.trim() || FALLBACK_DEVPTS_OPTIONS;
  } catch {
    return FALLBACK_DEVPTS_OPTIONS;
  }
}

/**
 * Mount proc, a bind of the host /dev, devpts and a read-only sysfs under
 * `root` (DIB's `mount_proc_dev_sys`). sysfs is read-only on purpose: it tells
 * systemd and udev in the chroot that they run in a container. Missing mount
 * points are created. The /dev bind is made private so nothing mounted
 * beneath it propagates back to the host's /dev. Each mount is recorded in `tracker` as soon as it is
 * made, so a failure half-way leaves nothing unknown to teardown.
 */
export async function mountChrootFilesystems(
  tracker: MountTracker,
  root: string,
  opts: { runner: CommandRunner },
): Promise<void> {
  const at = (p: string) => {
    const dir = path.join(root, p);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };
  await tracker.mount({ source: "none", target: at("proc"), fstype: "proc" });
  await tracker.bindMount("/dev", at("dev"), { private: true });
  const devpts = await readHostDevptsOptions(opts.runner);
  await tracker.mount({
    source: "devpts",
    target: at("dev/pts"),
    fstype: "devpts",
    options: devpts.split(","),
  });
  await tracker.mount({ source: "none", target: at("sys"), fstype: "sysfs", options: ["ro"] });
}

/**
 * Kill every process whose root directory is `root` or lies beneath it:
 * SIGTERM, up to `graceMs` (default 3 s), then SIGKILL. Returns the processes
 * found, with their command names.
 */
export async function killChrootProcesses(
  root: string,
  opts: { logger?: Logger; graceMs?: number } = {},
): Promise<KilledProcess[]> {
  const dir = resolveDir(root);
  const found = findProcessesWithin(dir, ["root"]);
  if (found.length === 0) return [];
  (opts.logger ?? silentLogger).warn("killing chroot processes", {
    root: dir,
    processes: found.map((p) => `${p.comm}(${p.pid})`),
  });
  return killPids(
    found.map((p) => p.pid),
    opts.graceMs ?? 3000,
  );
}
