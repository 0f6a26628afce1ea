import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BuildCancelledError, HookFailedError, InvalidRunPartsRegexError } from "../errors.ts";
import { planBuild, type BuildPlan } from "../plan/plan-build.ts";
import type { TPhase } from "@kiln/contracts/phases";
import { createFakeBuildHost } from "../testing/fake-build-host.ts";
import { makeTempRoot, writeElements, type ElementSpec } from "../testing/element-tree.ts";
import { traceElements, traceHook } from "../testing/trace-elements.ts";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { writeHooksTree } from "./hooks-tree.ts";
import { createCommandRunner } from "./host/run-command.ts";
import { IN_TARGET, runPhase, type RunPhaseOptions } from "./run-phase.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A hooks tree planned from the trace elements plus `extra`, and what runPhase needs. */
function setUp(extra: Record<string, ElementSpec> = {}) {
  const { dir, cleanup } = makeTempRoot("kiln-run-phase-");
  cleanups.push(cleanup);
  const elements = { ...traceElements(), ...extra };
  writeElements(path.join(dir, "elements"), elements);
  const plan: BuildPlan = planBuild({
    elements: Object.keys(elements),
    elementsPath: [path.join(dir, "elements")],
    skipBase: true,
    arch: "amd64",
    env: {},
  });
  const hooksPath = path.join(dir, "hooks");
  writeHooksTree(hooksPath, plan.elements, plan.merged);
  const mountPath = path.join(dir, "mnt");
  fs.mkdirSync(path.join(mountPath, "tmp"), { recursive: true });
  const trace = path.join(dir, "trace");
  const events: TBuildEvent[] = [];
  const options = (phase: TPhase, more: Partial<RunPhaseOptions> = {}): RunPhaseOptions => ({
    phase,
    hooksPath,
    mountPath,
    merged: plan.merged,
    runner: createCommandRunner(),
    emit: (event) => events.push(event),
    cwd: dir,
    ...more,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      KILN_TRACE: trace,
      TARGET_ROOT: mountPath,
      ...more.env,
    },
  });
  const traced = () =>
    (fs.existsSync(trace) ? fs.readFileSync(trace, "utf8").split("\n") : []).filter(Boolean);
  return { dir, hooksPath, mountPath, events, options, traced };
}

const ordering: Record<string, ElementSpec> = {
  ordering: {
    scripts: {
      "block-device.d/10-a": traceHook("block-device.d", "10-a"),
      "block-device.d/9-b": traceHook("block-device.d", "9-b"),
      "block-device.d/100-c": traceHook("block-device.d", "100-c"),
      "block-device.d/2-d": traceHook("block-device.d", "2-d"),
      "block-device.d/foo.sh": traceHook("block-device.d", "foo.sh"),
    },
  },
};

describe("runPhase", () => {
  it("sources environment.d once, in order, then runs the hooks in sort -n order", async () => {
    const phase = setUp(ordering);
    const timings = await runPhase(phase.options("block-device.d"));
    expect(phase.traced()).toEqual([
      "env 10-first",
      "env 20-second",
      "hook block-device.d/2-d",
      "hook block-device.d/9-b",
      "hook block-device.d/10-a",
      "hook block-device.d/50-trace-block-device",
      "hook block-device.d/100-c",
    ]);
    expect(timings.map((timing) => [timing.script, timing.element, timing.exitCode])).toEqual([
      ["2-d", "ordering", 0],
      ["9-b", "ordering", 0],
      ["10-a", "ordering", 0],
      ["50-trace-block-device", "trace", 0],
      ["100-c", "ordering", 0],
    ]);
  });

  it("reports each hook's start, output lines and finish, attributed to its element", async () => {
    const phase = setUp({
      talker: { scripts: { "post-root.d/20-talk": "#!/bin/bash\necho said $TRACE_FIRST\n" } },
    });
    await runPhase(phase.options("post-root.d"));
    const hookEvents = phase.events.filter((event) => event.type.startsWith("hook."));
    expect(hookEvents.map((event) => [event.type, "script" in event && event.script])).toEqual([
      ["hook.started", "20-talk"],
      ["hook.finished", "20-talk"],
      ["hook.started", "50-trace-post-root"],
      ["hook.finished", "50-trace-post-root"],
    ]);
    expect(phase.events).toContainEqual(
      expect.objectContaining({
        type: "log",
        line: "said 1",
        phase: "post-root.d",
        element: "talker",
        script: "20-talk",
      }),
    );
    const kilnLines = phase.events.filter(
      (event) => event.type === "log" && event.stream === "kiln",
    );
    expect(
      kilnLines.some((event) => event.type === "log" && event.line === "Target: post-root.d"),
    ).toBe(true);
  });

  it("stops at the first failing hook with its element, phase, script and exit code", async () => {
    const phase = setUp({
      early: { scripts: { "root.d/20-fail": traceHook("root.d", "20-fail") } },
    });
    const run = runPhase(phase.options("root.d", { env: { KILN_FAIL_PHASE: "root.d" } }));
    const error = await run.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HookFailedError);
    expect(error).toMatchObject({
      code: "HOOK_FAILED",
      phase: "root.d",
      element: "trace-os",
      script: "10-make-root",
      exitCode: 7,
    });
    expect(phase.traced().filter((line) => line.startsWith("hook"))).toEqual([
      "hook root.d/10-make-root",
    ]);
  });

  it("runs nothing when no element ships the phase", async () => {
    const phase = setUp();
    fs.rmSync(path.join(phase.hooksPath, "post-root.d"), { recursive: true });
    expect(await runPhase(phase.options("post-root.d"))).toEqual([]);
  });

  it("fails on an invalid RUN_PARTS_REGEX instead of running no hooks", async () => {
    const phase = setUp();
    const error = await runPhase(phase.options("post-root.d", { regex: "(" })).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidRunPartsRegexError);
    expect((error as Error).message).toContain("RUN_PARTS_REGEX");
    expect((error as Error).message).toContain("'('");
  });

  it("fails when the phase path exists but is not a directory", async () => {
    const phase = setUp();
    const dir = path.join(phase.hooksPath, "post-root.d");
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, "not a directory");
    await expect(runPhase(phase.options("post-root.d"))).rejects.toThrow(/must exist/);
  });

  it("runs a chroot phase against the image root through the host's runner", async () => {
    const phase = setUp();
    const host = createFakeBuildHost();
    const inTarget = path.join(phase.mountPath, IN_TARGET);
    await host.bindReadOnly(phase.hooksPath, inTarget);
    await runPhase(phase.options("install.d", { runner: host.runner }));
    expect(phase.traced()).toEqual([
      "env 10-first",
      "env 20-second",
      "hook install.d/50-trace-install",
    ]);
    expect(host.commands.map((command) => command.slice(0, 3))).toContainEqual([
      "chroot",
      phase.mountPath,
      `${IN_TARGET}/install.d/50-trace-install`,
    ]);
  });

  it("kills the running hook and throws BuildCancelledError when cancelled", async () => {
    const phase = setUp({
      sleeper: {
        scripts: { "post-root.d/10-sleep": "#!/bin/bash\necho sleeping\nsleep 60\nexit 0\n" },
      },
    });
    const controller = new AbortController();
    const run = runPhase({
      ...phase.options("post-root.d", { signal: controller.signal, killGraceMs: 200 }),
      emit: (event) => {
        if (event.type === "log" && event.line === "sleeping") controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(BuildCancelledError);
    // The trace hook after the sleeper never ran.
    expect(phase.traced().filter((line) => line.startsWith("hook"))).toEqual([]);
  });
});
