/**
 * The "one command" local agent: when the dashboard's host can build images,
 * start `kiln agent` as a child process registered against this very server;
 * when it cannot, say why in the log and in the `local-agent-status` setting
 * the Agents page reads.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import {
  BASE_TOOLS,
  findHostProblems,
  type HostCheckOptions,
} from "@kiln/engine/pipeline/host/preflight";
import type { Logger } from "@kiln/contracts/logger";
import type { ServerDeps } from "@kiln/server/context";
import { AGENT_CREDENTIALS_FILE } from "@kiln/protocol/registration";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { writeLocalAgentStatus } from "@kiln/server/services/agents/local-agent-status";
import { childProcessEnv, repoRoot } from "../env.ts";

const STOP_GRACE_MS = 10_000;

export type TLocalAgentDecision = { start: true } | { start: false; reason: string };

export interface DecideLocalAgentOptions extends Pick<
  HostCheckOptions,
  "uid" | "path" | "sysDir" | "devDir"
> {
  /** KILN_LOCAL_AGENT. */
  mode: "auto" | "off";
}

/** Tools a chroot build needs beyond the mount/loop basics. */
export const LOCAL_AGENT_TOOLS = [...BASE_TOOLS, "debootstrap", "qemu-img"];

/** Whether to start the local agent, and if not, one line saying why. */
export function decideLocalAgent(o: DecideLocalAgentOptions): TLocalAgentDecision {
  if (o.mode === "off") return { start: false, reason: "disabled by KILN_LOCAL_AGENT=off" };
  const problems = findHostProblems({
    root: true,
    tools: LOCAL_AGENT_TOOLS,
    loopDevices: 1,
    ...(o.uid !== undefined ? { uid: o.uid } : {}),
    ...(o.path !== undefined ? { path: o.path } : {}),
    ...(o.sysDir !== undefined ? { sysDir: o.sysDir } : {}),
    ...(o.devDir !== undefined ? { devDir: o.devDir } : {}),
  });
  if (problems.length === 0) return { start: true };
  return { start: false, reason: `this host cannot build images: ${problems.join("; ")}` };
}

/**
 * A one-use registration token made by the server itself: no user asked for
 * it (the host operator started the dashboard), so it is audited as the
 * server's. Short-lived: the child uses it within seconds.
 */
export async function createLocalRegistrationToken(deps: ServerDeps): Promise<string> {
  return (await createRegistrationToken(deps, null, { ttlHours: 1 })).token;
}

export interface StartLocalAgentOptions {
  deps: ServerDeps;
  mode: "auto" | "off";
  /** The server's own listening URL (http://127.0.0.1:PORT). */
  serverUrl: string;
  dataDir: string;
  logger: Logger;
}

export interface LocalAgent {
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Starts the local agent when the host can build; never throws (the dashboard runs either way). */
export async function startLocalAgent(o: StartLocalAgentOptions): Promise<LocalAgent> {
  const none: LocalAgent = { stop: async () => undefined };
  try {
    const decision = decideLocalAgent({ mode: o.mode });
    if (!decision.start) {
      o.logger.info("no local build agent", { reason: decision.reason });
      await writeLocalAgentStatus(o.deps, { running: false, reason: decision.reason });
      return none;
    }
    const workDir = path.join(o.dataDir, "agent");
    const args = [
      path.join(repoRoot, "apps", "cli", "bin", "kiln.js"),
      "agent",
      "--server",
      o.serverUrl,
      "--work-dir",
      workDir,
      "--name",
      "local",
    ];
    // A work dir that already holds credentials re-connects with them; a token would go unused.
    if (!fs.existsSync(path.join(workDir, AGENT_CREDENTIALS_FILE))) {
      args.push("--token", await createLocalRegistrationToken(o.deps));
    }
    const child = spawn(process.execPath, args, {
      env: childProcessEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    return await watchChild(o, child);
  } catch (err) {
    const reason = `local agent failed to start: ${(err as Error).message}`;
    o.logger.error(reason);
    await writeLocalAgentStatus(o.deps, { running: false, reason }).catch(() => undefined);
    return none;
  }
}

async function watchChild(o: StartLocalAgentOptions, child: ChildProcess): Promise<LocalAgent> {
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (const [stream, level] of [
    [child.stdout, "info"],
    [child.stderr, "warn"],
  ] as const) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on("line", (line) => {
      o.logger[level]("local agent", { line });
    });
  }
  child.once("exit", (code, signal) => {
    if (stopping) return;
    const reason = `local agent exited (${signal ?? `code ${code}`}); see the server log`;
    o.logger.error(reason);
    void writeLocalAgentStatus(o.deps, { running: false, reason }).catch(() => undefined);
  });
  child.once("error", (err) => o.logger.error("local agent", { err: String(err) }));
  o.logger.info("local build agent started", { pid: child.pid });
  await writeLocalAgentStatus(o.deps, { running: true });
  return {
    async stop() {
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
