import fs from "node:fs";
import path from "node:path";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { DEFAULT_HOST_ENV } from "../pipeline/host/run-command.ts";
import { runBuild, type BuildResult } from "../pipeline/run-build.ts";
import { makeTempRoot, writeElements } from "./element-tree.ts";
import { createFakeBuildHost, type FakeBuildHost } from "./fake-build-host.ts";
import { traceElements } from "./trace-elements.ts";

export interface TraceBuild {
  result: BuildResult;
  events: TBuildEvent[];
  host: FakeBuildHost;
  /** The build's TMP_DIR (the fake host makes its build dirs here). */
  tmpDir: string;
  /** Where outputs are written. */
  outDir: string;
  /** The lines hooks and environment.d files appended to $KILN_TRACE, in order. */
  trace(): string[];
  cleanup(): void;
}

/**
 * Run a whole build of the trace elements (testing/trace-elements.ts) over
 * the fake host, as a non-root test can: `tar` and `raw` outputs, a fixed
 * image size, no tmpfs.
 */
export async function runTraceBuild(
  options: {
    env?: Record<string, string>;
    keepOnFailure?: boolean;
    signal?: AbortSignal;
    onEvent?: (event: TBuildEvent) => void;
    host?: FakeBuildHost;
  } = {},
): Promise<TraceBuild> {
  const { dir, cleanup } = makeTempRoot("kiln-trace-build-");
  const elementsDir = writeElements(path.join(dir, "elements"), traceElements());
  const tmpDir = path.join(dir, "tmp");
  const outDir = path.join(dir, "out");
  fs.mkdirSync(tmpDir);
  fs.mkdirSync(outDir);
  const traceFile = path.join(dir, "trace");
  const request = ZBuildRequest.parse({
    elements: ["trace-os", "trace"],
    imageName: "img",
    types: ["tar", "raw"],
    arch: "amd64",
    skipBase: true,
    imageSizeGb: 0.2,
    noTmpfs: true,
    keepOnFailure: options.keepOnFailure ?? false,
  });
  const events: TBuildEvent[] = [];
  const host = options.host ?? createFakeBuildHost();
  const result = await runBuild({
    request,
    elementsPath: [elementsDir],
    env: { PATH: DEFAULT_HOST_ENV.PATH, KILN_TRACE: traceFile, ...options.env },
    args: request.elements,
    cwd: outDir,
    tmpDir,
    imageCache: path.join(dir, "cache"),
    host,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
    signal: options.signal,
  });
  const trace = () =>
    fs.existsSync(traceFile) ? fs.readFileSync(traceFile, "utf8").split("\n").filter(Boolean) : [];
  return { result, events, host, tmpDir, outDir, trace, cleanup };
}
