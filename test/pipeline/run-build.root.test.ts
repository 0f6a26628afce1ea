import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PHASES } from "@kiln/contracts/phases";
import { fakeBuild, leftovers } from "./fake-build.ts";
import { canBuild, skipNote } from "@kiln/engine/testing/host-capabilities";

const why = canBuild();

describe.skipIf(why)(`the build pipeline on a fake OS${skipNote(why)}`, () => {
  it("builds raw, qcow2 and tar with checksums and a build record, leaving nothing behind", async () => {
    const b = await fakeBuild({ types: ["raw", "qcow2", "tar"] });
    expect(b.result.error?.message).toBeUndefined();
    expect(b.result.status).toBe("succeeded");
    for (const f of [
      "img.raw",
      "img.qcow2",
      "img.tar",
      "img.raw.sha256",
      "img.qcow2.md5",
      "img.d/elements.json",
    ]) {
      expect(fs.existsSync(path.join(b.out, f)), f).toBe(true);
    }
    expect(leftovers([b.tmpDir])).toEqual({ mounts: [], loops: [] });
    expect(fs.readdirSync(b.tmpDir)).toEqual([]);
    // Every phase started and finished, in DIB's order.
    const started = b.events
      .filter((e) => e.type === "phase.started")
      .map((e) => e.type === "phase.started" && e.phase);
    expect(started).toEqual([...PHASES]);
    const hooks = b.events.filter((e) => e.type === "hook.finished");
    expect(hooks.length).toBeGreaterThanOrEqual(11);
    expect(b.events.at(-1)).toMatchObject({ type: "build.finished", status: "succeeded" });
    expect(
      b.events.some(
        (e) => e.type === "log" && e.line === "checking install.d" && e.element === "fail-in-phase",
      ),
    ).toBe(true);
  });

  for (const phase of PHASES) {
    it(`reports a hook failing in ${phase} with element, script and exit code, and cleans up`, async () => {
      const b = await fakeBuild({ env: { KILN_TEST_FAIL_PHASE: phase } });
      expect(b.result.status).toBe("failed");
      const error = b.events.at(-1);
      expect(error).toMatchObject({
        type: "build.finished",
        status: "failed",
        error: {
          phase,
          element: "fail-in-phase",
          script: `50-fail-in-${phase.slice(0, -2)}`,
          exitCode: 7,
        },
      });
      expect(leftovers([b.tmpDir])).toEqual({ mounts: [], loops: [] });
      expect(fs.readdirSync(b.tmpDir)).toEqual([]);
    });
  }

  it("cancels mid-install through the AbortSignal: kills the hook, tears down, status cancelled", async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    const b = await fakeBuild({
      elements: ["fake-os", "sleep-in-install"],
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "log" && e.line === "sleeping") controller.abort();
      },
    });
    expect(b.result.status).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(leftovers([b.tmpDir])).toEqual({ mounts: [], loops: [] });
  });

  it("cancels during the block-device step and leaves no loop device", async () => {
    const controller = new AbortController();
    const b = await fakeBuild({
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "phase.started" && e.phase === "block-device.d") controller.abort();
      },
    });
    expect(b.result.status).toBe("cancelled");
    expect(leftovers([b.tmpDir])).toEqual({ mounts: [], loops: [] });
  });

  it("keeps the build directory on failure with keepOnFailure, but still unmounts and detaches", async () => {
    const b = await fakeBuild({ env: { KILN_TEST_FAIL_PHASE: "finalise.d" }, keepOnFailure: true });
    expect(b.result.status).toBe("failed");
    expect(leftovers([b.tmpDir])).toEqual({ mounts: [], loops: [] });
    expect(fs.readdirSync(b.tmpDir).length).toBeGreaterThan(0);
  });
});
