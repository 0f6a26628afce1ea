/**
 * `kiln agent` end to end: clean up after a crashed predecessor, gather host
 * facts, register (or reuse stored credentials), then run the worker until it
 * is stopped or refused for good.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";
import { createCommandRunner } from "@kiln/engine/pipeline/host/run-command";
import { cleanStaleBuilds } from "@kiln/engine/pipeline/host/stale-builds";
import type { THostFacts, TRecovered } from "@kiln/protocol";
import type { BuildExecutor } from "./build-executor.ts";
import type { BackoffOptions } from "./compute-backoff.ts";
import { AgentWorker } from "./agent-worker.ts";
import { registerAgent } from "./register-agent.ts";

export const AGENT_VERSION = "0.1.0";

export interface RunAgentOptions {
  /** Server base URL (http://host:port). */
  server: string;
  /** One-time registration token; unused once the work dir holds credentials. */
  token?: string;
  workDir: string;
  name: string;
  labels: Record<string, string>;
  /** Builds at once. */
  capacity: number;
  executor: BuildExecutor;
  logger: Logger;
  backoff?: BackoffOptions;
  flushMs?: number;
  /** Retry delays of artifact uploads. */
  uploadBackoff?: BackoffOptions;
  /** Skip the crash clean-up (tests without root). */
  skipCleanup?: boolean;
  /** Called once the worker exists, e.g. to stop it on SIGTERM. */
  onWorker?: (worker: AgentWorker) => void;
}

/** Kernel machine name → the arch names images use. */
export function agentArch(machine = os.machine()): string {
  return ({ x86_64: "amd64", aarch64: "arm64" } as Record<string, string>)[machine] ?? machine;
}

export async function runAgent(o: RunAgentOptions): Promise<void> {
  fs.mkdirSync(o.workDir, { recursive: true, mode: 0o700 });
  const recovered = o.skipCleanup ? undefined : await recoverHost(o.workDir, o.logger);
  const hostFacts = gatherHostFacts(o.workDir, o.executor);
  const creds = await registerAgent({
    server: o.server,
    token: o.token,
    workDir: o.workDir,
    request: {
      name: o.name,
      arch: agentArch(),
      version: AGENT_VERSION,
      labels: o.labels,
      hostFacts,
    },
  });
  const logger = o.logger;
  logger.info("agent starting", {
    agentId: creds.agentId,
    server: o.server,
    canBuild: hostFacts.canBuild,
  });
  const worker = new AgentWorker({
    server: o.server,
    agentId: creds.agentId,
    secret: creds.agentSecret,
    name: o.name,
    version: AGENT_VERSION,
    arch: agentArch(),
    labels: o.labels,
    capacity: o.capacity,
    hostFacts,
    recovered,
    executor: o.executor,
    workDir: o.workDir,
    logger,
    backoff: o.backoff,
    flushMs: o.flushMs,
    uploadBackoff: o.uploadBackoff,
  });
  o.onWorker?.(worker);
  await worker.start();
}

/** Tears down builds a crashed predecessor left under the work dir; what was removed goes into HELLO. */
async function recoverHost(workDir: string, logger: Logger): Promise<TRecovered> {
  const buildsDir = path.join(workDir, "builds");
  fs.mkdirSync(buildsDir, { recursive: true });
  const recovered: TRecovered = { mounts: [], loopDevices: [], workDirs: [] };
  // Every per-build tmp dir may hold a kiln build directory of a dead process.
  for (const id of fs.readdirSync(buildsDir)) {
    const tmpDir = path.join(buildsDir, id, "work", "tmp");
    if (!fs.existsSync(tmpDir)) continue;
    const report = await cleanStaleBuilds({
      tmpDir,
      runner: createCommandRunner({ logger }),
      logger,
    });
    for (const c of report.cleaned) {
      recovered.workDirs.push(c.dir);
      recovered.mounts.push(...c.teardown.unmounted);
      recovered.loopDevices.push(...c.teardown.detached);
    }
    recovered.loopDevices.push(...report.orphanLoops);
    for (const e of report.errors) logger.warn("stale build cleanup", { error: e });
  }
  // Spools of a dead predecessor cannot be resumed (its build process is gone): drop them.
  for (const id of fs.readdirSync(buildsDir)) {
    const dir = path.join(buildsDir, id);
    fs.rmSync(dir, { recursive: true, force: true });
    recovered.workDirs.push(dir);
  }
  if (recovered.workDirs.length) logger.warn("cleaned up after a crashed agent", { ...recovered });
  return recovered;
}

function gatherHostFacts(workDir: string, executor: BuildExecutor): THostFacts {
  const preflight = executor.preflight();
  let osName = os.type();
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync("/etc/os-release", "utf8"));
    if (m?.[1]) osName = m[1];
  } catch {
    // No os-release (not Linux, or a minimal container): the kernel type will do.
  }
  let workDirFreeBytes: number | undefined;
  try {
    const s = fs.statfsSync(workDir);
    workDirFreeBytes = s.bavail * s.bsize;
  } catch {
    workDirFreeBytes = undefined;
  }
  return {
    hostname: os.hostname().slice(0, 255),
    os: osName.slice(0, 255),
    kernel: os.release().slice(0, 255),
    cpus: Math.max(1, os.availableParallelism()),
    memoryBytes: os.totalmem(),
    ...(workDirFreeBytes !== undefined ? { workDirFreeBytes } : {}),
    root: process.getuid?.() === 0,
    canBuild: preflight.every((c) => c.ok),
    preflight,
  };
}
