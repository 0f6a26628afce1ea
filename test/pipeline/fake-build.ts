import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { runBuild, type BuildResult } from "@kiln/engine/pipeline/run-build";
import { createRootBuildHost } from "@kiln/engine/pipeline/root-build-host";

/** The test element tree: fake-os (host binaries), fail-in-phase, sleep-in-install. */
export const FIXTURE_ELEMENTS = path.resolve(import.meta.dirname, "..", "fixtures", "elements");

/** Every mount whose target lies under one of the dirs, and every loop backed there. */
export function leftovers(dirs: string[]): { mounts: string[]; loops: string[] } {
  const mounts = fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((t) => dirs.some((d) => t === d || t.startsWith(d + "/")));
  const losetup = spawnSync("losetup", ["-a"], { encoding: "utf8" }).stdout;
  const loops = losetup.split("\n").filter((l) => dirs.some((d) => l.includes(d)));
  return { mounts, loops };
}

export interface FakeBuild {
  result: BuildResult;
  events: TBuildEvent[];
  out: string;
  tmpDir: string;
}

/** Run a fake-os build in its own TMP_DIR and output dir. */
export async function fakeBuild(o: {
  elements?: string[];
  env?: Record<string, string>;
  types?: string[];
  signal?: AbortSignal;
  onEvent?: (e: TBuildEvent) => void;
  keepOnFailure?: boolean;
}): Promise<FakeBuild> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-fake-"));
  const tmpDir = path.join(base, "tmp");
  const out = path.join(base, "out");
  fs.mkdirSync(tmpDir);
  fs.mkdirSync(out);
  const events: TBuildEvent[] = [];
  const request = ZBuildRequest.parse({
    elements: o.elements ?? ["fake-os", "fail-in-phase"],
    imageName: "img",
    types: o.types ?? ["raw"],
    arch: "amd64",
    skipBase: true,
    imageSizeGb: 0.2,
    noTmpfs: true,
    checksum: true,
    keepOnFailure: o.keepOnFailure ?? false,
  });
  const result = await runBuild({
    request,
    elementsPath: [FIXTURE_ELEMENTS],
    env: { PATH: process.env.PATH, ...o.env },
    args: request.elements,
    cwd: out,
    tmpDir,
    imageCache: path.join(base, "cache"),
    host: createRootBuildHost(),
    emit: (e) => {
      events.push(e);
      o.onEvent?.(e);
    },
    signal: o.signal,
  });
  return { result, events, out, tmpDir };
}
