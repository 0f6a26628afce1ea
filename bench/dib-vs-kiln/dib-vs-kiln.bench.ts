/**
 * Benchmark: the same Debian image built by diskimage-builder (apt's DIB 3.13)
 * and by Kiln from DIB's own upstream elements, in one run, as root.
 *
 *   npx tsx bench/dib-vs-kiln/dib-vs-kiln.bench.ts [--cold] [--json] [--only dib|kiln]
 *
 * Builds (all `-t qcow2`, release bookworm, mirrors from this host's apt):
 *   dib   disk-image-create debian-minimal      (DIB cannot do `vm` here: kpartx
 *                                                needs device-mapper)
 *   kiln  kiln build debian-minimal              (ELEMENTS_PATH = DIB's elements)
 *   kiln  kiln build vm debian-minimal           (Kiln partitions with losetup -P)
 * The ratio compares the like-for-like pair (debian-minimal). Each build runs
 * once untimed first to warm its caches (debootstrap tarball, apt .debs: DIB's
 * own DIB_DEBOOTSTRAP_CACHE / DIB_APT_LOCAL_CACHE, on for both tools) unless
 * --cold, which times first builds in fresh cache dirs. Caches live in
 * $KILN_BENCH_CACHE (default ~/.cache/kiln-bench), one dir per tool.
 * Target: Kiln no slower than DIB (README, benchmark table).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAptMirrors } from "@kiln/engine/config/apt-mirrors";
import { DIB_ELEMENTS } from "../../test/support/dib-oracle.ts";
import {
  diskImageCreateUnavailableReason,
  runDiskImageCreate,
} from "../../test/dib/run-disk-image-create.ts";

const repo = path.resolve(import.meta.dirname, "..", "..");
const argv = process.argv.slice(2);
const cold = argv.includes("--cold");
const json = argv.includes("--json");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;

interface Build {
  label: string;
  tool: "dib" | "kiln";
  elements: string[];
}
const BUILDS: Build[] = [
  { label: "debian-minimal", tool: "dib", elements: ["debian-minimal"] },
  { label: "debian-minimal", tool: "kiln", elements: ["debian-minimal"] },
  { label: "vm debian-minimal", tool: "kiln", elements: ["vm", "debian-minimal"] },
];

interface Result {
  label: string;
  tool: string;
  ok: boolean;
  seconds: number;
  /** Last lines of the log when the build failed. */
  error?: string;
}

/** DIB's Debian variables from this host's apt sources (the mirror this host already uses). */
function debianEnv(): Record<string, string> {
  const texts: string[] = [];
  for (const f of ["/etc/apt/sources.list", ...listDir("/etc/apt/sources.list.d")]) {
    if (/\.(list|sources)$/.test(f) && fs.existsSync(f)) texts.push(fs.readFileSync(f, "utf8"));
  }
  const m = parseAptMirrors(texts);
  return {
    DIB_RELEASE: "bookworm",
    DIB_DISTRIBUTION_MIRROR: m.archive ?? "http://deb.debian.org/debian",
    DIB_DEBIAN_SECURITY_MIRROR: m.security ?? "http://deb.debian.org/debian-security",
    DIB_DEBIAN_SECURITY_SUBPATH: "-security",
    // DIB's own caches: keep the debootstrap tarball and reuse it; apt .debs
    // are cached by the dpkg element by default (DIB_APT_LOCAL_CACHE=1).
    DIB_DEBOOTSTRAP_CACHE: "1",
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: "1",
  };
}

function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

function tail(text: string, n = 15): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

function runKilnBuild(
  elements: string[],
  env: Record<string, string>,
  workDir: string,
): Promise<{ exitCode: number; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repo, "apps/cli/bin/kiln.js"), "build", "-t", "qcow2", "-o", "bench", ...elements],
      { cwd: workDir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (log += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (log += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ exitCode: code ?? -1, log }));
  });
}

async function buildOnce(b: Build, cacheRoot: string, timed: boolean): Promise<Result> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${b.tool}-`));
  const cache = path.join(cacheRoot, b.tool);
  fs.mkdirSync(cache, { recursive: true });
  const env = { ...debianEnv(), DIB_IMAGE_CACHE: cache };
  const t0 = Date.now();
  let ok: boolean;
  let log: string;
  if (b.tool === "dib") {
    const r = await runDiskImageCreate({
      args: ["-t", "qcow2", "-o", path.join(work, "bench"), ...b.elements],
      elementsPath: DIB_ELEMENTS,
      workDir: work,
      env,
      timeoutMs: 3_600_000,
    });
    ok = r.exitCode === 0 && fs.existsSync(path.join(work, "bench.qcow2"));
    log = r.log;
  } else {
    const r = await runKilnBuild(
      b.elements,
      { ...env, ELEMENTS_PATH: DIB_ELEMENTS, TMP_DIR: work },
      work,
    );
    ok = r.exitCode === 0 && fs.existsSync(path.join(work, "bench.qcow2"));
    log = r.log;
  }
  const seconds = (Date.now() - t0) / 1000;
  fs.writeFileSync(path.join(cacheRoot, `last-${b.tool}-${b.elements.join("-")}.log`), log);
  fs.rmSync(work, { recursive: true, force: true });
  const result: Result = { label: b.label, tool: b.tool, ok, seconds };
  if (!ok) result.error = tail(log);
  if (!json) {
    console.error(
      `${timed ? "timed" : "warm-up"} ${b.tool} ${b.label}: ${ok ? "ok" : "FAILED"} in ${seconds.toFixed(1)} s`,
    );
  }
  return result;
}

const unavailable = diskImageCreateUnavailableReason();
if (process.getuid?.() !== 0 || (unavailable && only !== "kiln")) {
  console.error(`dib-vs-kiln bench: ${unavailable ?? "needs root"}`);
  process.exit(2);
}
const cacheRoot = cold
  ? fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-cold-"))
  : (process.env.KILN_BENCH_CACHE ?? path.join(os.homedir(), ".cache", "kiln-bench"));
const selected = BUILDS.filter((b) => !only || b.tool === only);
const results: Result[] = [];
for (const b of selected) {
  if (!cold) await buildOnce(b, cacheRoot, false);
  results.push(await buildOnce(b, cacheRoot, true));
}
const dib = results.find((r) => r.tool === "dib" && r.label === "debian-minimal");
const kiln = results.find((r) => r.tool === "kiln" && r.label === "debian-minimal");
const ratio = dib?.ok && kiln?.ok ? kiln.seconds / dib.seconds : null;

if (json) {
  console.log(JSON.stringify({ cold, cacheRoot, results, ratioKilnToDib: ratio }, null, 2));
} else {
  console.log(`\n${"build".padEnd(20)} ${"tool".padEnd(5)} ${"status".padEnd(7)} seconds`);
  for (const r of results) {
    console.log(
      `${r.label.padEnd(20)} ${r.tool.padEnd(5)} ${(r.ok ? "ok" : "FAILED").padEnd(7)} ${r.seconds.toFixed(1).padStart(7)}`,
    );
  }
  console.log(
    ratio === null
      ? "\nratio Kiln/DIB (debian-minimal): n/a (a build failed or was not run)"
      : `\nratio Kiln/DIB (debian-minimal): ${ratio.toFixed(2)} (target <= 1.00)`,
  );
  for (const r of results.filter((x) => !x.ok)) console.log(`\n${r.tool} ${r.label}:\n${r.error}`);
}
process.exitCode = results.every((r) => r.ok) && (ratio === null || ratio <= 1) ? 0 : 1;
