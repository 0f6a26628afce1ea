import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanStaleBuilds } from "./stale-builds.ts";
import { attachLoop, isLoopAttached } from "./loop-devices.ts";
import { createCommandRunner } from "./run-command.ts";
import { isProcessAlive } from "./kill-processes.ts";
import {
  forceCleanup,
  loopsAt,
  makePartitionedImage,
  makeTempDir,
  mountsAt,
  spawnFixture,
  waitFor,
} from "../../testing/host-fixtures.ts";
import { canUseLoopDevices, skipNote } from "../../testing/host-capabilities.ts";

const why = canUseLoopDevices();

const runner = createCommandRunner();

describe.skipIf(why)(`cleanStaleBuilds (root)${skipNote(why)}`, () => {
  let tmp = "";
  const pids: number[] = [];
  afterEach(() => {
    if (tmp) forceCleanup(tmp, pids.splice(0));
    tmp = "";
  });

  it("cleans everything a SIGKILLed build left: mounts, loop, chroot process, dirs", async () => {
    tmp = makeTempDir();
    const fx = spawnFixture("crash-build", [tmp]);
    const child = fx.child;
    const firstLine = await fx.waitLine((l) => l.startsWith("{"));
    const state = JSON.parse(firstLine) as {
      buildDir: string;
      imageDir: string;
      loop: string;
      sleepPid: number;
    };
    pids.push(state.sleepPid);
    child.kill("SIGKILL");
    await fx.exited;
    expect(mountsAt(tmp).length).toBeGreaterThanOrEqual(8);
    expect(loopsAt(tmp)).toHaveLength(1);
    expect(isProcessAlive(state.sleepPid)).toBe(true);

    const t0 = Date.now();
    const report = await cleanStaleBuilds({ tmpDir: tmp, runner });
    const ms = Date.now() - t0;
    expect(report.errors).toEqual([]);
    expect(report.live).toEqual([]);
    expect(report.cleaned.map((c) => c.dir).sort()).toEqual(
      [state.buildDir, state.imageDir].sort(),
    );
    expect(report.cleaned[0]!.reason).toBe(`pid ${child.pid} is gone`);
    const killed = report.cleaned.flatMap((c) => c.teardown.killed);
    expect(killed).toEqual([{ pid: state.sleepPid, comm: "sleep", signal: "SIGTERM" }]);
    expect(report.cleaned.flatMap((c) => c.teardown.detached)).toEqual([state.loop]);
    expect(mountsAt(tmp)).toEqual([]);
    expect(loopsAt(tmp)).toEqual([]);
    expect(isLoopAttached(state.loop)).toBe(false);
    expect(isProcessAlive(state.sleepPid)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });

  it("detaches a loop whose kiln image dir was already removed", async () => {
    tmp = makeTempDir();
    const dir = path.join(tmp, "kiln-image.CCCCCCCC");
    fs.mkdirSync(dir);
    const img = path.join(dir, "image0.raw");
    makePartitionedImage(img);
    const loop = await attachLoop(img, { runner });
    try {
      fs.rmSync(dir, { recursive: true });
      await waitFor(() =>
        fs
          .readFileSync(`/sys/block/${path.basename(loop.device)}/loop/backing_file`, "utf8")
          .includes("(deleted)"),
      );
      const report = await cleanStaleBuilds({ tmpDir: tmp, runner });
      expect(report.errors).toEqual([]);
      expect(report.orphanLoops).toEqual([loop.device]);
      expect(isLoopAttached(loop.device)).toBe(false);
    } finally {
      if (isLoopAttached(loop.device))
        await runner.run("losetup", ["-d", loop.device], {
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        });
    }
  });
});
