import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";
import type { TBuildRequest } from "@kiln/contracts/build-request";
import type { PhaseTimings } from "@kiln/engine/pipeline/progress";
import { runBuild, type BuildResult, type RunBuildOptions } from "@kiln/engine/pipeline/run-build";
import { createRootBuildHost } from "@kiln/engine/pipeline/root-build-host";
import type { EventRenderer } from "./render/render-events.ts";

/** What runBuild needs from the command; the host, events, signal and timings are added here. */
export type LocalBuildOptions = Pick<
  RunBuildOptions,
  "request" | "elementsPath" | "env" | "args" | "cwd" | "tmpDir" | "imageCache"
> & {
  renderer: EventRenderer;
  logger: Logger;
};

/**
 * Run a build on this host, as `kiln build` does: SIGINT/SIGTERM cancel it
 * (teardown still runs), and phase timings are remembered per element set so
 * the next build of the same image shows an ETA.
 */
export async function runLocalBuild(o: LocalBuildOptions): Promise<BuildResult> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      o.logger.warn(`${sig}: cancelling the build; cleaning up (send again to stop waiting)`);
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const historyFile = path.join(o.imageCache, "kiln-timings.json");
  const key = historyKey(o.request);
  const history = readHistory(historyFile);
  try {
    const { renderer, logger, ...build } = o;
    const result = await runBuild({
      ...build,
      host: createRootBuildHost({ logger }),
      emit: (e) => renderer.onEvent(e),
      logger,
      signal: controller.signal,
      history: history[key],
    });
    if (result.status === "succeeded") {
      history[key] = result.timings;
      writeHistory(historyFile, history);
    }
    return result;
  } finally {
    o.renderer.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function historyKey(r: TBuildRequest): string {
  const id = JSON.stringify([r.elements, r.types, r.arch, r.skipBase]);
  return crypto.createHash("sha256").update(id).digest("hex").slice(0, 16);
}

function readHistory(file: string): Record<string, PhaseTimings> {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, PhaseTimings>;
  } catch {
    return {};
  }
}

function writeHistory(file: string, history: Record<string, PhaseTimings>): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(history));
  } catch {
    /* timings are a nicety; a read-only cache must not fail the build */
  }
}
