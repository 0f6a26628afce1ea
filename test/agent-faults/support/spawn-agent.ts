/**
 * Agents as child processes, so a test can SIGKILL them: the real
 * `kiln agent` (engine executor) or `run-fake-agent.ts` (fake executor).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const KILN_BIN = path.join(REPO_ROOT, "apps", "cli", "bin", "kiln.js");
const FAKE_AGENT = path.join(import.meta.dirname, "run-fake-agent.ts");

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** Signals the process and waits for it to exit (SIGKILL after 15 s if it lingers). */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface SpawnAgentOptions {
  server: string;
  /** Registration token; omit when the work dir already holds credentials. */
  token?: string;
  workDir: string;
  name: string;
  labels?: Record<string, string>;
  env?: Record<string, string | undefined>;
}

/** `kiln agent`, exactly as an operator runs it. */
export function spawnKilnAgent(o: SpawnAgentOptions): AgentProcess {
  const args = [KILN_BIN, "agent", "--server", o.server, "--work-dir", o.workDir, "--name", o.name];
  if (o.token) args.push("--token", o.token);
  const labels = Object.entries(o.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  if (labels.length) args.push("--labels", labels.join(","));
  return watch(
    spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}

/** The agent's layers with the fake executor (a ten-minute build). */
export function spawnFakeAgent(o: SpawnAgentOptions): AgentProcess {
  const config = JSON.stringify({
    server: o.server,
    token: o.token,
    workDir: o.workDir,
    name: o.name,
    labels: o.labels,
  });
  return watch(
    spawn(process.execPath, ["--import", "tsx", FAKE_AGENT, config], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}

function watch(child: ChildProcess): AgentProcess {
  let out = "";
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-150_000);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  return {
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill(signal);
      const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}
