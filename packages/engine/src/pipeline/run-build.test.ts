import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { HookFailedError, InvalidRunPartsRegexError } from "../errors.ts";
import { createFakeBuildHost } from "../testing/fake-build-host.ts";
import { runTraceBuild, type TraceBuild } from "../testing/run-trace-build.ts";
import { traceScriptName } from "../testing/trace-elements.ts";

const builds: TraceBuild[] = [];
afterEach(() => {
  for (const build of builds.splice(0)) build.cleanup();
});

async function build(options: Parameters<typeof runTraceBuild>[0] = {}) {
  const traced = await runTraceBuild(options);
  builds.push(traced);
  return traced;
}

function teardownCall(traced: TraceBuild) {
  const call = traced.host.calls.at(-1);
  if (call?.kind !== "teardown") throw new Error(`last host call is ${call?.kind}, not teardown`);
  return call;
}

describe("runBuild over the fake host (no root)", () => {
  it("reports a failing hook with its element, phase, script and exit code, and tears down", async () => {
    const traced = await build({ env: { KILN_FAIL_PHASE: "install.d" } });
    expect(traced.result.status).toBe("failed");
    expect(traced.result.error).toBeInstanceOf(HookFailedError);
    expect(traced.events.at(-1)).toMatchObject({
      type: "build.finished",
      status: "failed",
      error: {
        code: "HOOK_FAILED",
        phase: "install.d",
        element: "trace",
        script: traceScriptName("install.d"),
        exitCode: 7,
      },
    });
    expect(traced.events).toContainEqual(
      expect.objectContaining({ type: "phase.finished", phase: "install.d", ok: false }),
    );
    const phases = traced.events.flatMap((event) =>
      event.type === "phase.started" ? [event.phase] : [],
    );
    expect(phases.at(-1)).toBe("install.d");
    // The chroot filesystems were still mounted: teardown released them and the dirs.
    const teardown = teardownCall(traced);
    expect(teardown.keep).toBe(false);
    expect(teardown.mountsLeft.length).toBeGreaterThan(0);
    expect(traced.host.mounts()).toEqual([]);
    expect(fs.readdirSync(traced.tmpDir)).toEqual([]);
  });

  it("keeps the build directories of a failed build with keepOnFailure", async () => {
    const traced = await build({ env: { KILN_FAIL_PHASE: "root.d" }, keepOnFailure: true });
    expect(traced.result.status).toBe("failed");
    expect(teardownCall(traced)).toMatchObject({ kind: "teardown", keep: true });
    expect(fs.readdirSync(traced.tmpDir).sort()).toEqual([
      expect.stringMatching(/^kiln-build\./),
      expect.stringMatching(/^kiln-image\./),
    ]);
    expect(traced.events).toContainEqual(
      expect.objectContaining({
        type: "step",
        name: "teardown",
        detail: expect.stringMatching(/^keeping /),
      }),
    );
  });

  it("stops a cancelled build before the next hook and still tears down", async () => {
    const controller = new AbortController();
    const traced = await build({
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "hook.finished" && event.phase === "pre-install.d") controller.abort();
      },
    });
    expect(traced.result.status).toBe("cancelled");
    expect(traced.events.at(-1)).toMatchObject({
      type: "build.finished",
      status: "cancelled",
      error: { code: "CANCELLED" },
    });
    expect(
      traced
        .trace()
        .filter((line) => line.startsWith("hook"))
        .at(-1),
    ).toBe(`hook pre-install.d/${traceScriptName("pre-install.d")}`);
    expect(teardownCall(traced).keep).toBe(false);
    expect(traced.host.mounts()).toEqual([]);
    expect(fs.readdirSync(traced.tmpDir)).toEqual([]);
  });

  it("rejects an invalid RUN_PARTS_REGEX before any host work, naming it", async () => {
    const host = createFakeBuildHost();
    const traced = await build({ env: { RUN_PARTS_REGEX: "(" }, host });
    expect(traced.result.status).toBe("failed");
    expect(traced.result.error).toBeInstanceOf(InvalidRunPartsRegexError);
    expect(traced.result.error?.message).toMatch(/RUN_PARTS_REGEX.*'\('/);
    expect(traced.events.at(-1)).toMatchObject({
      type: "build.finished",
      error: { code: "INVALID_RUN_PARTS_REGEX" },
    });
    expect(host.calls).toEqual([]);
    expect(traced.trace()).toEqual([]);
  });

  it("ends as errored without build dirs when pre-flight fails", async () => {
    const host = createFakeBuildHost({ preflightProblems: ["missing tool: losetup"] });
    const traced = await build({ host });
    expect(traced.result.status).toBe("errored");
    expect(traced.result.error?.message).toContain("losetup");
    expect(host.calls.map((call) => call.kind)).toEqual(["preflight"]);
  });
});
