/**
 * Guaranteed teardown of one build's host state. It works from what the host
 * shows (/proc, /proc/mounts, losetup), not from what the build remembers, so
 * the same function cleans a live build, a failed one and a crashed one.
 */
import fs from "node:fs";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import { HostError } from "./errors.ts";
import { DEFAULT_HOST_ENV } from "./run-command.ts";
import { killChrootProcesses } from "./chroot.ts";
import { listMountsUnder, resolveDir, unmountAllUnder } from "./mounts.ts";
import { detachLoopsBackedUnder } from "./loop-devices.ts";
import type { KilledProcess } from "./kill-processes.ts";

export interface TeardownOptions {
  /** DIB's TMP_BUILD_DIR (may already be gone). */
  buildDir?: string;
  /** DIB's TMP_IMAGE_DIR (may already be gone). */
  imageDir?: string;
  /** Keep the directories (`--keep-on-failure`); mounts and loops are released all the same. */
  keep: boolean;
  runner: CommandRunner;
  logger?: Logger;
  /** SIGTERM→SIGKILL grace for chroot processes and mount users (default 3000 ms). */
  killGraceMs?: number;
}

/** What teardown did; `errors` is empty when the host is clean of this build. */
export interface TeardownReport {
  killed: KilledProcess[];
  unmounted: string[];
  /** Subset of `unmounted` that needed `umount -l`. */
  lazy: string[];
  detached: string[];
  removed: string[];
  errors: string[];
}

/** Thrown by `assertTeardownClean` when teardown could not release everything. */
export class TeardownError extends HostError {
  constructor(readonly report: TeardownReport) {
    super(`teardown left host state behind:\n  ${report.errors.join("\n  ")}`);
  }
}

/** Throw `TeardownError` if the report has errors. */
/** A report with nothing done and nothing failed: where every teardown starts. */
export function emptyTeardownReport(): TeardownReport {
  return { killed: [], unmounted: [], lazy: [], detached: [], removed: [], errors: [] };
}

export function assertTeardownClean(report: TeardownReport): void {
  if (report.errors.length > 0) throw new TeardownError(report);
}

/**
 * Release everything a build holds, in the order that can succeed:
 * 1. kill processes chrooted anywhere beneath either directory;
 * 2. unmount everything strictly beneath them (killing busy users, lazy last);
 * 3. detach loop devices backed by files beneath them;
 * 4. unmount the directories themselves (their tmpfs, now that no loop pins it);
 * 5. unless `keep`, `rm -rf --one-file-system` them, only if nothing is mounted
 *    there any more.
 * Idempotent; never throws: every failure is a line in `errors`.
 */
export async function teardownBuild(opts: TeardownOptions): Promise<TeardownReport> {
  const logger = opts.logger ?? silentLogger;
  const report = emptyTeardownReport();
  const dirs = [opts.buildDir, opts.imageDir]
    .filter((d): d is string => typeof d === "string" && d !== "")
    .map(resolveDir);
  for (const dir of dirs) {
    if (dir === "/" || dir.split("/").length < 3) {
      report.errors.push(`refusing to tear down ${dir}: not a build directory`);
      return report;
    }
  }
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      report.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const unmount = async (dir: string, includeSelf: boolean) => {
    const r = await unmountAllUnder(dir, {
      runner: opts.runner,
      logger,
      includeSelf,
      killGraceMs: opts.killGraceMs,
    });
    report.unmounted.push(...r.unmounted);
    report.lazy.push(...r.lazy);
    report.killed.push(...r.killed);
    report.errors.push(...r.errors);
  };

  for (const dir of dirs) {
    await step(`killing chroot processes under ${dir}`, async () => {
      report.killed.push(
        ...(await killChrootProcesses(dir, { logger, graceMs: opts.killGraceMs })),
      );
    });
  }
  for (const dir of dirs) await step(`unmounting under ${dir}`, () => unmount(dir, false));
  for (const dir of dirs) {
    await step(`detaching loop devices under ${dir}`, async () => {
      const r = await detachLoopsBackedUnder(dir, { runner: opts.runner, logger });
      report.detached.push(...r.detached);
      report.errors.push(...r.errors);
    });
  }
  for (const dir of dirs) await step(`unmounting ${dir}`, () => unmount(dir, true));

  if (!opts.keep) {
    for (const dir of dirs) {
      if (!fs.existsSync(dir)) continue;
      const left = listMountsUnder(dir, { includeSelf: true });
      if (left.length > 0) {
        // rm would skip them anyway; leaving the tree shows what pins it.
        report.errors.push(
          `not removing ${dir}: still mounted: ${left.map((m) => m.target).join(", ")}`,
        );
        continue;
      }
      await step(`removing ${dir}`, async () => {
        await opts.runner.capture("rm", ["-rf", "--one-file-system", "--", dir], {
          env: DEFAULT_HOST_ENV,
        });
        report.removed.push(dir);
      });
    }
  }
  // Dedupe: a process may be found by the chroot sweep and again as a mount user.
  const seen = new Set<number>();
  report.killed = report.killed.filter((k) => !seen.has(k.pid) && seen.add(k.pid));
  if (report.errors.length > 0) logger.error("teardown incomplete", { errors: report.errors });
  else logger.info("teardown complete", { ...summary(report) });
  return report;
}

function summary(r: TeardownReport) {
  return {
    killed: r.killed.length,
    unmounted: r.unmounted.length,
    detached: r.detached.length,
    removed: r.removed.length,
  };
}
