import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { createCliLogger } from "../cli-logger.ts";
import { cliContext } from "../context.ts";
import { createEngineExecutor } from "../agent/create-engine-executor.ts";
import { runAgent } from "../agent/run-agent.ts";

interface AgentFlags {
  server?: string;
  token?: string;
  labels?: string;
  workDir?: string;
  maxBuilds?: string;
  name?: string;
}

/** `k=v,k2=v2` → record; a malformed pair names itself. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new KilnError("USAGE", `--labels: "${pair}" is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

function parseMaxBuilds(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new KilnError("USAGE", `--max-builds: expected an integer 1-64, got "${text}"`);
  return n;
}

/** `kiln agent`: the build agent that dials the dashboard server and runs its builds. */
export function registerAgentCommand(program: Command): Command {
  return program
    .command("agent")
    .description("run a build agent connected to a Kiln server (JSON log lines on stderr)")
    .option("--server <url>", "server base URL, e.g. https://kiln.example.com (or $KILN_SERVER)")
    .option("--token <token>", "registration token (first start only; the secret is then kept)")
    .option(
      "--labels <k=v,...>",
      "labels asked for at registration (the token's win; later only an administrator changes them)",
    )
    .option("--work-dir <dir>", "spools, credentials and build dirs (default ~/.kiln/agent)")
    .option("--max-builds <n>", "builds run at once (default 1)")
    .option("--name <name>", "agent name shown on the dashboard (default: hostname)")
    .action(async (flags: AgentFlags) => {
      const { env } = cliContext();
      // Flags win; KILN_* variables (env.ts) fill in what was not given.
      const serverText = flags.server ?? env.KILN_SERVER;
      if (!serverText) throw new KilnError("USAGE", "--server: required (or set KILN_SERVER)");
      let server: string;
      try {
        server = new URL(serverText).origin;
      } catch {
        throw new KilnError("USAGE", `--server: "${serverText}" is not a URL`);
      }
      const labels = parseLabels(flags.labels ?? env.KILN_AGENT_LABELS);
      const capacity = parseMaxBuilds(flags.maxBuilds ?? String(env.KILN_AGENT_MAX_BUILDS ?? 1));
      const workDir = path.resolve(
        flags.workDir ?? env.KILN_AGENT_WORK_DIR ?? path.join(os.homedir(), ".kiln", "agent"),
      );
      const logger = createCliLogger({ level: env.KILN_LOG_LEVEL, json: true });
      const executor = createEngineExecutor({
        elementsPath: [
          ...(env.ELEMENTS_PATH ? env.ELEMENTS_PATH.split(":") : []),
          env.builtinElements,
        ],
        hostEnv: env.buildEnv,
        imageCache: env.cacheDir,
        logger,
      });
      let stopping = false;
      await runAgent({
        server,
        token: flags.token ?? env.KILN_TOKEN,
        workDir,
        name: (flags.name ?? env.KILN_AGENT_NAME ?? os.hostname()).slice(0, 200),
        labels,
        capacity,
        executor,
        logger,
        onWorker: (worker) => {
          const stop = (signal: string) => {
            if (stopping) return;
            stopping = true;
            logger.info("stopping", { signal });
            void worker.stop();
          };
          process.once("SIGTERM", () => stop("SIGTERM"));
          process.once("SIGINT", () => stop("SIGINT"));
        },
      });
    });
}
