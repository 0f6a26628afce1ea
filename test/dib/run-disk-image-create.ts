/**
 * Runs the real `disk-image-create` (DIB from apt) as root and reads back,
 * from its log, which hooks it ran in which phase and which environment.d
 * files it sourced before each phase. Used by the trace test and the
 * DIB-vs-Kiln bench.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  canUseLoopDevices,
  firstReason,
  hasDib,
  hasTool,
  hasTools,
  type SkipReason,
} from "@kiln/engine/testing/host-capabilities";
import { REPO_ROOT } from "../support/kiln-cli.ts";

/** The console script Debian's python3-diskimage-builder installs. */
export const DISK_IMAGE_CREATE = "/usr/bin/disk-image-create";
/** Fixture: tiny OS element, hook elements, and a sudo stand-in (see its README). */
export const TRACE_FIXTURE = path.join(REPO_ROOT, "test/fixtures/dib-trace");

/** Why a real disk-image-create run is impossible here (it needs root: chroot, mount, losetup), or null. */
export function diskImageCreateUnavailableReason(): SkipReason {
  return firstReason(
    hasDib(),
    fs.existsSync(DISK_IMAGE_CREATE) ? null : `${DISK_IMAGE_CREATE} is missing`,
    canUseLoopDevices(),
    hasTools("losetup", "mkfs.ext4", "fstrim"),
  );
}

export interface DibRun {
  exitCode: number;
  /** stdout and stderr as one stream (d-i-c sends both through outfilter.py). */
  log: string;
  seconds: number;
}

/**
 * `disk-image-create ARGS` with `elementsPath` (DIB appends its own elements),
 * build dirs under `workDir`. Hosts without sudo (containers running as root)
 * get the fixture's stand-in on PATH, since d-i-c calls `sudo` throughout.
 */
export function runDiskImageCreate(opts: {
  args: string[];
  elementsPath: string;
  workDir: string;
  /** Extra environment (DIB_RELEASE, mirrors, DIB_IMAGE_CACHE…). */
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<DibRun> {
  const sudoShim = hasTool("sudo") === null ? [] : [path.join(TRACE_FIXTURE, "bin")];
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: [...sudoShim, process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"].join(":"),
    ELEMENTS_PATH: opts.elementsPath,
    TMP_DIR: opts.workDir,
    DIB_IMAGE_CACHE: path.join(opts.workDir, "cache"),
    DIB_LOCKFILES: path.join(opts.workDir, "locks"),
    DIB_NO_TIMESTAMP: "1",
    DIB_PYTHON_EXEC: undefined, // d-i-c sets it to its own interpreter
    ...opts.env,
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(DISK_IMAGE_CREATE, opts.args, {
      cwd: opts.workDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so a timeout can stop the whole build
    });
    let log = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (log += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (log += d));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    }, opts.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? (signal ? 128 : -1),
        log,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** One hook run, as the log shows it. */
export interface TraceHook {
  phase: string;
  script: string;
}

export interface RunPartsTrace {
  /** Every hook dib-run-parts started, in order. */
  hooks: TraceHook[];
  /** Phase → environment.d files sourced before its hooks, in order. */
  environment: Map<string, string[]>;
  /** Phase → scripts listed in its PROFILING block (dib-run-parts' timing table). */
  profiled: Map<string, string[]>;
}

const RUNNING = /dib-run-parts Running (.+)$/;
const SOURCING =
  /dib-run-parts Sourcing environment file (.+)\/([^/]+)\/\.\.\/environment\.d\/([^/]+)$/;
const TARGET = /dib-run-parts Target: (\S+)$/;
const PROFILE_ROW = /dib-run-parts (\S+) +\d+\.\d{3}$/;

/**
 * Reads dib-run-parts' own lines out of a build log (timestamps or not):
 * `Running DIR/PHASE/SCRIPT`, `Sourcing environment file
 * DIR/PHASE/../environment.d/FILE`, and the PROFILING block's rows.
 */
export function parseRunPartsLog(log: string): RunPartsTrace {
  const trace: RunPartsTrace = { hooks: [], environment: new Map(), profiled: new Map() };
  let profiling: string | undefined;
  for (const line of log.split("\n")) {
    const run = RUNNING.exec(line);
    if (run?.[1]) {
      const file = run[1];
      trace.hooks.push({ phase: path.basename(path.dirname(file)), script: path.basename(file) });
      continue;
    }
    const src = SOURCING.exec(line);
    if (src?.[2] && src[3]) {
      const list = trace.environment.get(src[2]) ?? [];
      list.push(src[3]);
      trace.environment.set(src[2], list);
      continue;
    }
    const target = TARGET.exec(line);
    if (target?.[1]) {
      profiling = target[1];
      trace.profiled.set(profiling, []);
      continue;
    }
    if (line.includes("END PROFILING")) profiling = undefined;
    const row = profiling ? PROFILE_ROW.exec(line) : null;
    if (profiling && row?.[1] && row[1] !== "Script") trace.profiled.get(profiling)?.push(row[1]);
  }
  return trace;
}
