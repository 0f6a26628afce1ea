// The hooks real DIB runs, read from its own log, against `kiln build
// --dry-run`'s plan for the same tree and request, and against the hooks
// Kiln's pipeline runs. The fixture (test/fixtures/dib-trace) has a tiny OS
// element built from host binaries and hooks in every phase whose names
// exercise dib-run-parts' order, skipped files, a symlinked hook, DIB's own
// install-types element and environment.d files sourced in byte order.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIB_ELEMENTS, DIB_PHASES } from "../support/dib-oracle.ts";
import { makeTempRoot } from "@kiln/engine/testing/element-tree";
import { skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { runKiln } from "../support/kiln-cli.ts";
import {
  diskImageCreateUnavailableReason,
  parseRunPartsLog,
  runDiskImageCreate,
  TRACE_FIXTURE,
  type DibRun,
  type RunPartsTrace,
  type TraceHook,
} from "./run-disk-image-create.ts";

const unavailable = diskImageCreateUnavailableReason();
warnIfSkipped("the DIB trace test", unavailable);

const ELEMENTS_PATH = `${path.join(TRACE_FIXTURE, "elements")}:${DIB_ELEMENTS}`;
/** --image-size: DIB sizes a tiny root below its own 64 MiB ext4 journal otherwise. */
const FLAGS = ["-n", "-t", "tar", "--no-tmpfs", "--image-size", "1"];
const ELEMENTS = ["trace-os", "trace-a", "trace-c"];
const INSTALL_TYPE_FILE = "11-dib-install-type.bash";

interface KilnPlanJson {
  phases: Record<string, { name: string }[]>;
  environment: { name: string }[];
}

/** `trace-hook PHASE NAME env: …` lines the fixture hooks print, in order. */
function hookOutput(log: string): string[] {
  return log.split("\n").filter((l) => l.startsWith("trace-hook "));
}

/** Kiln's `--log-format json` events, read the way parseRunPartsLog reads DIB. */
function kilnTrace(jsonLines: string): { trace: RunPartsTrace; output: string[]; ok: boolean } {
  const trace: RunPartsTrace = { hooks: [], environment: new Map(), profiled: new Map() };
  const output: string[] = [];
  let ok = false;
  for (const line of jsonLines.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as Record<string, string>;
    if (e.type === "hook.started") trace.hooks.push({ phase: e.phase!, script: e.script! });
    if (e.type === "build.finished") ok = e.status === "succeeded";
    if (e.type !== "log" || !e.line || !e.phase) continue;
    const sourcing = /^dib-run-parts Sourcing environment file .*\/environment\.d\/([^/]+)$/.exec(
      e.line,
    );
    if (sourcing?.[1]) {
      trace.environment.set(e.phase, [...(trace.environment.get(e.phase) ?? []), sourcing[1]]);
    }
    if (e.line.startsWith("trace-hook ")) output.push(e.line);
  }
  return { trace, output, ok };
}

const show = (hooks: TraceHook[]) => hooks.map((h) => `${h.phase}/${h.script}`);

describe.skipIf(unavailable)(
  `hooks DIB runs vs kiln build --dry-run${skipNote(unavailable)}`,
  () => {
    const root = makeTempRoot("kiln-dib-trace-");
    let dib: DibRun;
    let dibTrace: RunPartsTrace;
    let plan: KilnPlanJson;
    let kilnRun: { exitCode: number; stdout: string; stderr: string; seconds: number };

    beforeAll(async () => {
      for (const d of ["dib", "kiln"]) fs.mkdirSync(path.join(root.dir, d));
      const kilnEnv = {
        ELEMENTS_PATH,
        KILN_LOG_LEVEL: "error",
        TMP_DIR: path.join(root.dir, "kiln"),
        DIB_IMAGE_CACHE: path.join(root.dir, "kiln", "cache"),
      };
      const t0 = Date.now();
      // DIB and Kiln build side by side (separate dirs and loop devices).
      const [dibRun, kilnBuild, dry] = await Promise.all([
        runDiskImageCreate({
          args: [...FLAGS, "-o", path.join(root.dir, "dib", "trace"), ...ELEMENTS],
          elementsPath: path.join(TRACE_FIXTURE, "elements"),
          workDir: path.join(root.dir, "dib"),
          timeoutMs: 110_000,
        }),
        runKiln(
          [
            "build",
            ...FLAGS,
            "--log-format",
            "json",
            "-o",
            path.join(root.dir, "kiln", "trace"),
            ...ELEMENTS,
          ],
          { env: kilnEnv },
        ).then((r) => ({ ...r, seconds: (Date.now() - t0) / 1000 })),
        runKiln(["build", "--dry-run", "--json", ...FLAGS, ...ELEMENTS], { env: kilnEnv }),
      ]);
      dib = dibRun;
      kilnRun = kilnBuild;
      console.info(
        `DIB build ${dib.seconds.toFixed(1)} s (exit ${dib.exitCode}); Kiln build ${kilnRun.seconds.toFixed(1)} s (exit ${kilnRun.exitCode})`,
      );
      fs.writeFileSync(path.join(root.dir, "dib.log"), dib.log);
      dibTrace = parseRunPartsLog(dib.log);
      expect(dry.exitCode, dry.stderr).toBe(0);
      plan = JSON.parse(dry.stdout) as KilnPlanJson;
    }, 120_000);
    afterAll(() => root.cleanup());

    it("DIB builds the fixture and its log shows every hook it ran", () => {
      expect(dib.exitCode, dib.log.split("\n").slice(-30).join("\n")).toBe(0);
      expect(dib.log).toContain("Build completed successfully");
      expect(fs.existsSync(path.join(root.dir, "dib", "trace.tar"))).toBe(true);
      // The parsed list is what ran: each fixture hook printed its own line.
      const printed = hookOutput(dib.log).map((l) => l.split(" ").slice(1, 3).join("/"));
      const parsed = show(dibTrace.hooks).filter((h) => !/10-trace-root|install-types/.test(h));
      expect(printed).toEqual(parsed);
      expect(dib.log).not.toContain("must-not-run");
      // dib-run-parts' timing table names the same scripts, per phase.
      for (const phase of DIB_PHASES) {
        const ran = dibTrace.hooks.filter((h) => h.phase === phase).map((h) => h.script);
        expect([...(dibTrace.profiled.get(phase) ?? [])].sort(), phase).toEqual([...ran].sort());
      }
    });

    it("kiln build --dry-run lists exactly the hooks DIB ran, in DIB's order", () => {
      const planned = DIB_PHASES.flatMap((phase) =>
        (plan.phases[phase] ?? []).map((h) => ({ phase, script: h.name })),
      );
      expect(show(planned)).toEqual(show(dibTrace.hooks));
    });

    it("environment.d: Kiln's plan is what DIB sourced before every phase", () => {
      const env = plan.environment.map((e) => e.name);
      for (const phase of DIB_PHASES) {
        // d-i-c writes 11-dib-install-type.bash once root.d is done.
        const want =
          phase === "root.d"
            ? env
            : [...env, INSTALL_TYPE_FILE].sort((a, b) =>
                Buffer.compare(Buffer.from(a), Buffer.from(b)),
              );
        expect(dibTrace.environment.get(phase), phase).toEqual(want);
      }
    });

    it("Kiln's pipeline runs the same hooks, sources the same files, and hooks see the same environment", () => {
      expect(kilnRun.exitCode, kilnRun.stderr.split("\n").slice(-20).join("\n")).toBe(0);
      const kiln = kilnTrace(kilnRun.stdout);
      expect(kiln.ok).toBe(true);
      expect(show(kiln.trace.hooks)).toEqual(show(dibTrace.hooks));
      expect(Object.fromEntries(kiln.trace.environment)).toEqual(
        Object.fromEntries(dibTrace.environment),
      );
      expect(kiln.output).toEqual(hookOutput(dib.log));
    });
  },
);
