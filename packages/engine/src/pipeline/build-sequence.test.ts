import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROOT_PHASES, PHASES } from "@kiln/contracts/phases";
import { runTraceBuild, type TraceBuild } from "../testing/run-trace-build.ts";
import { traceScriptName } from "../testing/trace-elements.ts";

describe("the build sequence over the fake host", () => {
  // One successful build; every test reads a different aspect of it.
  let build: TraceBuild;
  beforeAll(async () => {
    build = await runTraceBuild();
  });
  afterAll(() => build?.cleanup());

  it("runs every phase in DIB's order, sourcing environment.d once before each", () => {
    const { result, trace } = build;
    expect(result.error?.message).toBeUndefined();
    const expected = PHASES.flatMap((phase) => [
      "env 10-first",
      "env 20-second",
      ...(phase === "root.d" ? ["hook root.d/10-make-root"] : []),
      `hook ${phase}/${traceScriptName(phase)}`,
    ]);
    expect(trace()).toEqual(expected);
    expect(result.hooks.map((hook) => hook.phase)).toEqual(["root.d", ...PHASES]);
  });

  it("binds the hooks tree for exactly the chroot phases and releases it after each", () => {
    const { host } = build;
    const binds = host.calls.filter((call) => call.kind === "bindReadOnly");
    expect(binds).toHaveLength(CHROOT_PHASES.size);
    for (const bind of binds) {
      expect(bind.kind === "bindReadOnly" && bind.target.endsWith("/mnt/tmp/in_target.d")).toBe(
        true,
      );
    }
    const kills = host.calls.filter((call) => call.kind === "killChrootProcesses");
    expect(kills).toHaveLength(CHROOT_PHASES.size);
  });

  it("creates the image between post-root.d and pre-finalise.d, then writes the outputs", () => {
    const { host, events, outDir } = build;
    const order = host.calls.map((call) => call.kind);
    const created = order.indexOf("createBlockDevices");
    const released = order.indexOf("umountBlockDevices");
    expect(order.filter((kind) => kind === "mountChrootFilesystems")).toHaveLength(2);
    expect(created).toBeGreaterThan(order.indexOf("mountChrootFilesystems"));
    expect(released).toBeGreaterThan(created);
    expect(order.at(-1)).toBe("teardown");
    const phases = events.flatMap((event) => (event.type === "phase.started" ? [event.phase] : []));
    expect(phases).toEqual([...PHASES]);
    const artifacts = events.flatMap((event) => (event.type === "artifact" ? [event.kind] : []));
    expect(artifacts).toEqual(["tar", "raw"]);
    expect(fs.existsSync(path.join(outDir, "img.raw"))).toBe(true);
    expect(fs.existsSync(path.join(outDir, "img.tar"))).toBe(true);
    expect(fs.existsSync(path.join(outDir, "img.d", "element-manifest"))).toBe(true);
  });

  it("copies the root tree with its fstab into the image root", () => {
    const { outDir } = build;
    const listing = fs.readFileSync(path.join(outDir, "img.d", "element-manifest"), "utf8");
    expect(listing.split("\n")).toContain("trace");
    const tar = execFileSync("tar", ["-tf", path.join(outDir, "img.tar")], { encoding: "utf8" });
    expect(tar.split("\n")).toEqual(expect.arrayContaining(["./etc/fstab", "./etc/hostname"]));
  });

  it("emits build.started first, progress and steps, and build.finished last", () => {
    const traced = build;
    expect(traced.result.status).toBe("succeeded");
    const seen = traced.events.map((event) => event.type);
    expect(seen[0]).toBe("build.started");
    expect(seen.at(-1)).toBe("build.finished");
    expect(traced.events[0]).toMatchObject({ elements: ["trace-os", "trace"] });
    const stages = traced.events.flatMap((event) =>
      event.type === "progress" && event.hook === undefined ? [event.phase] : [],
    );
    expect(stages).toEqual(expect.arrayContaining(["root.d", "block-device", "outputs"]));
    const steps = traced.events.flatMap((event) => (event.type === "step" ? [event.name] : []));
    expect(steps[0]).toBe("setup");
    expect(steps.at(-1)).toBe("teardown");
    expect(traced.result.artifacts.map((artifact) => artifact.kind)).toEqual(["tar", "raw"]);
    expect(traced.host.mounts()).toEqual([]);
  });
});
