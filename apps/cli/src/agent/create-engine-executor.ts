/**
 * The real executor: the engine's runBuild on the root build host. `log`
 * events become the build's log bytes (what users read); every other event
 * goes up as a BUILD_EVENT, so phase and hook boundaries never have to be
 * parsed out of the byte stream.
 */
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";
import { findHostProblems, BASE_TOOLS } from "@kiln/engine/pipeline/host/preflight";
import { createRootBuildHost } from "@kiln/engine/pipeline/root-build-host";
import { runBuild } from "@kiln/engine/pipeline/run-build";
import { imageBaseName } from "@kiln/contracts/build-request";
import { createSecretMasker } from "@kiln/contracts/secret-masker";
import type { BuildExecutor, BuildOutcome } from "./build-executor.ts";

export interface EngineExecutorOptions {
  /**
   * Built-in elements path, after ASSIGN's catalogs. A catalog version whose
   * content one of these directories has (the server's `builtin` catalog, when
   * agent and server are the same Kiln) is used from here, not downloaded.
   */
  elementsPath: string[];
  /** Host environment the builds start from (PATH, proxies); ASSIGN's env is laid over it. */
  hostEnv: Record<string, string | undefined>;
  /** Shared image cache (DIB_IMAGE_CACHE) for every build of this agent. */
  imageCache: string;
  logger: Logger;
}

export function createEngineExecutor(o: EngineExecutorOptions): BuildExecutor {
  return {
    preflight() {
      const root = process.getuid?.() === 0;
      const problems = findHostProblems({ tools: BASE_TOOLS, loopDevices: 1 });
      return [
        { name: "root", ok: root, ...(root ? {} : { detail: "not running as root" }) },
        {
          name: "host-tools",
          ok: problems.length === 0,
          ...(problems.length ? { detail: problems.join("; ").slice(0, 4000) } : {}),
        },
      ];
    },
    async run(job): Promise<BuildOutcome> {
      const { assign } = job;
      let catalogDirs: string[];
      try {
        catalogDirs = await job.fetchCatalogs({ localTrees: o.elementsPath });
      } catch (err) {
        const message = (err as Error).message.split("\n")[0]!.slice(0, 4000);
        job.writeLog(`kiln: ${message}\n`);
        return { status: "errored", error: { code: "CATALOG_FETCH", message } };
      }
      const secrets = assign.env.filter((entry) => entry.secret);
      // Masked before anything leaves the host; the server masks again at ingest.
      const masker = createSecretMasker(secrets.map((entry) => entry.value));
      const env: Record<string, string | undefined> = { ...o.hostEnv };
      for (const e of assign.env) env[e.name] = e.value;
      const tmpDir = path.join(job.workDir, "tmp");
      fs.mkdirSync(tmpDir, { recursive: true });
      let failure: BuildOutcome["error"];
      const result = await runBuild({
        request: assign.request,
        // Catalog versions first (earliest wins), the agent's own path (built-in last) after.
        elementsPath: [...catalogDirs, ...o.elementsPath],
        env,
        secretNames: secrets.map((entry) => entry.name),
        args: ["kiln", "agent", `build#${assign.number}`],
        cwd: job.workDir,
        tmpDir,
        imageCache: o.imageCache,
        host: createRootBuildHost({ logger: job.logger }),
        buildId: job.buildId,
        signal: job.signal,
        logger: job.logger,
        emit: (raw) => {
          // An artifact's path is the file the job runner uploads: the engine's, never a secret.
          const event = raw.type === "artifact" ? raw : masker.maskStrings(raw);
          if (event.type === "log") {
            job.writeLog(`${event.line}\n`);
            return;
          }
          if (event.type === "build.finished") failure = event.error;
          job.emit(event);
        },
      });
      const packagesFile = path.join(
        job.workDir,
        `${imageBaseName(assign.request)}.d`,
        "packages.json",
      );
      return {
        status: result.status,
        ...(failure ? { error: failure } : {}),
        ...(fs.existsSync(packagesFile) ? { packagesFile } : {}),
      };
    },
  };
}
