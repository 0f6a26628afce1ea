/**
 * Crash recovery: find build directories whose owner is gone and tear them
 * down. A directory is the build's only if it has Kiln's name and marker, so a
 * live build, or anything else in tmpDir, is never touched.
 */
import fs from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { CommandRunner } from "./types.ts";
import { BUILD_DIR_NAME, readBootId, readMarker, type TBuildMarker } from "./build-dir.ts";
import { isProcessAlive, readStartTime } from "./kill-processes.ts";
import { teardownBuild, type TeardownReport } from "./teardown.ts";
import { detachLoop, listLoops } from "./loop-devices.ts";

export interface CleanStaleBuildsOptions {
  /** The directory builds are made in (DIB's TMP_DIR). */
  tmpDir: string;
  runner: CommandRunner;
  logger?: Logger;
}

export interface StaleBuild {
  dir: string;
  /** Why it was judged dead, e.g. "pid 1234 is gone" or "made in another boot". */
  reason: string;
  teardown: TeardownReport;
}

export interface StaleBuildsReport {
  cleaned: StaleBuild[];
  /** Directories of builds still running (left alone). */
  live: string[];
  /** Kiln-named directories without a readable marker (left alone). */
  unrecognised: string[];
  /** Loop devices backed by a file in an already-removed kiln directory, now detached. */
  orphanLoops: string[];
  errors: string[];
}

/** Why a marker's build is dead, or undefined if it is still running. */
export function staleReason(marker: TBuildMarker, bootId: string): string | undefined {
  if (marker.bootId !== bootId) return "made in another boot";
  if (!isProcessAlive(marker.pid)) return `pid ${marker.pid} is gone`;
  const start = readStartTime(marker.pid);
  if (marker.pidStartTime !== undefined && start !== undefined && start !== marker.pidStartTime) {
    return `pid ${marker.pid} now belongs to another process`;
  }
  return undefined;
}

/**
 * Tear down every kiln build directory in `tmpDir` whose marker names a dead
 * process (or another boot). Also detaches loop devices whose backing file
 * was in a kiln directory of `tmpDir` that no longer exists. Never throws.
 */
export async function cleanStaleBuilds(opts: CleanStaleBuildsOptions): Promise<StaleBuildsReport> {
  const logger = opts.logger ?? silentLogger;
  const report: StaleBuildsReport = {
    cleaned: [],
    live: [],
    unrecognised: [],
    orphanLoops: [],
    errors: [],
  };
  let parent: string;
  let names: string[];
  try {
    parent = fs.realpathSync(opts.tmpDir);
    names = fs.readdirSync(parent);
  } catch (err) {
    report.errors.push(`cannot read ${opts.tmpDir}: ${(err as Error).message}`);
    return report;
  }
  const bootId = readBootId();
  for (const name of names.filter((n) => BUILD_DIR_NAME.test(n)).sort()) {
    const dir = path.join(parent, name);
    const marker = readMarker(dir);
    if (!marker) {
      report.unrecognised.push(dir);
      continue;
    }
    const reason = staleReason(marker, bootId);
    if (reason === undefined) {
      report.live.push(dir);
      continue;
    }
    logger.warn("cleaning up a crashed build", { dir, reason, startedAt: marker.startedAt });
    const teardown = await teardownBuild({
      buildDir: dir,
      keep: false,
      runner: opts.runner,
      logger,
    });
    report.cleaned.push({ dir, reason, teardown });
    report.errors.push(...teardown.errors);
  }

  try {
    for (const loop of await listLoops({ runner: opts.runner })) {
      const rel = path.relative(parent, loop.backFile);
      const top = rel.split(path.sep)[0] ?? "";
      if (rel.startsWith("..") || !BUILD_DIR_NAME.test(top) || rel === top) continue;
      if (fs.existsSync(path.join(parent, top))) continue;
      try {
        await detachLoop(loop.name, { runner: opts.runner, logger });
        report.orphanLoops.push(loop.name);
      } catch (err) {
        report.errors.push((err as Error).message);
      }
    }
  } catch (err) {
    report.errors.push(`cannot list loop devices: ${(err as Error).message}`);
  }
  return report;
}
