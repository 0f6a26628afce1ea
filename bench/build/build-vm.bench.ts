/**
 * Benchmark: a full `vm debian-minimal` qcow2 build with warm caches (the
 * debootstrap tarball and apt's .deb cache), run through the real pipeline as
 * root. Prints per-stage seconds; target: under 120 s on the 2-core machine.
 *
 *   npx tsx bench/build/build-vm.bench.ts [--cold-ok]
 *
 * The first build on a machine fills the caches; pass --cold-ok to count it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { runBuild } from "@kiln/engine/pipeline/run-build";
import { createRootBuildHost } from "@kiln/engine/pipeline/root-build-host";
import { debianMirrorDefaults } from "../../apps/cli/src/host-mirrors.ts";

const TARGET_S = 120;
const repo = path.resolve(import.meta.dirname, "..", "..");
const cache = process.env.KILN_BENCH_CACHE ?? path.join(os.homedir(), ".cache", "kiln");

async function buildOnce(
  label: string,
): Promise<{ seconds: number; stages: Map<string, number>; ok: boolean }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-"));
  const stages = new Map<string, number>();
  let last = Date.now();
  let stage = "setup";
  const request = ZBuildRequest.parse({
    elements: ["vm", "debian-minimal"],
    imageName: "bench",
    types: ["qcow2"],
    arch: "amd64",
  });
  const env = { ...process.env };
  const result = await runBuild({
    request,
    elementsPath: [path.join(repo, "elements")],
    env: { ...debianMirrorDefaults(env), ...env },
    args: ["-o", "bench", "-t", "qcow2", "vm", "debian-minimal"],
    cwd: out,
    tmpDir: os.tmpdir(),
    imageCache: cache,
    host: createRootBuildHost(),
    emit: (e: TBuildEvent) => {
      const next =
        e.type === "phase.started"
          ? e.phase
          : e.type === "step" && e.name === "block-device"
            ? "block-device (create)"
            : e.type === "step" && e.name === "outputs"
              ? "outputs"
              : undefined;
      if (next && next !== stage) {
        stages.set(stage, (stages.get(stage) ?? 0) + (Date.now() - last) / 1000);
        stage = next;
        last = Date.now();
      }
    },
  });
  stages.set(stage, (stages.get(stage) ?? 0) + (Date.now() - last) / 1000);
  fs.rmSync(out, { recursive: true, force: true });
  const seconds = result.durationMs / 1000;
  console.log(
    `${label}: ${result.status} in ${seconds.toFixed(1)} s${result.error ? ` (${result.error.message})` : ""}`,
  );
  return { seconds, stages, ok: result.status === "succeeded" };
}

if (process.getuid?.() !== 0) {
  console.error("build bench: needs root (loop devices, chroot)");
  process.exit(2);
}
const coldOk = process.argv.includes("--cold-ok");
const warm = fs.existsSync(path.join(cache, "debootstrap"));
if (!warm && !coldOk) await buildOnce("warm-up (fills the caches)");
const run = await buildOnce("measured build");
console.log("\nstage                      seconds");
for (const [name, s] of [...run.stages].sort((a, b) => b[1] - a[1])) {
  console.log(`${name.padEnd(26)} ${s.toFixed(1).padStart(7)}`);
}
console.log(`\ntotal ${run.seconds.toFixed(1)} s (target < ${TARGET_S} s)`);
process.exitCode = run.ok && run.seconds < TARGET_S ? 0 : 1;
