import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanStaleBuilds, staleReason } from "./stale-builds.ts";
import { createBuildDir, MARKER_FILE, readBootId, readMarker } from "./build-dir.ts";
import { attachLoop, isLoopAttached } from "./loop-devices.ts";
import { createCommandRunner } from "./run-command.ts";
import { isProcessAlive } from "./kill-processes.ts";
import {
  forceCleanup,
  isRoot,
  loopsAt,
  makePartitionedImage,
  makeTempDir,
  mountsAt,
  spawnFixture,
  waitFor,
} from "./testing.ts";

const runner = createCommandRunner();

describe("staleReason", () => {
  const base = { kind: "build" as const, startedAt: "2026-01-01T00:00:00Z", bootId: "b" };
  it("judges by boot id, then by pid, then by the pid's start time", () => {
    expect(staleReason({ ...base, pid: process.pid }, "b")).toBeUndefined();
    expect(staleReason({ ...base, pid: process.pid }, "other")).toBe("made in another boot");
    expect(staleReason({ ...base, pid: 2 ** 22 + 7 }, "b")).toBe(`pid ${2 ** 22 + 7} is gone`);
    expect(staleReason({ ...base, pid: process.pid, pidStartTime: 1 }, "b")).toBe(
      `pid ${process.pid} now belongs to another process`,
    );
  });
});

describe("cleanStaleBuilds", () => {
  let tmp = "";
  const pids: number[] = [];
  afterEach(() => {
    if (tmp) forceCleanup(tmp, pids.splice(0));
    tmp = "";
  });

  it("leaves a live build, an unmarked dir and foreign dirs alone; cleans another boot's", async () => {
    tmp = makeTempDir();
    const live = await createBuildDir({ tmpDir: tmp, tmpfs: false, runner });
    const unmarked = path.join(tmp, "kiln-build.AAAAAAAA");
    const foreign = path.join(tmp, "kiln-build.notours");
    fs.mkdirSync(unmarked);
    fs.mkdirSync(foreign);
    const old = path.join(tmp, "kiln-image.BBBBBBBB");
    fs.mkdirSync(old);
    fs.writeFileSync(
      path.join(old, MARKER_FILE),
      JSON.stringify({
        kind: "image",
        pid: process.pid,
        startedAt: "x",
        bootId: "not-" + readBootId(),
      }),
    );
    const report = await cleanStaleBuilds({ tmpDir: tmp, runner });
    expect(report.errors).toEqual([]);
    expect(report.live.sort()).toEqual([live.buildDir, live.imageDir].sort());
    expect(report.unrecognised).toEqual([unmarked]);
    expect(report.cleaned.map((c) => [c.dir, c.reason])).toEqual([[old, "made in another boot"]]);
    expect(fs.existsSync(old)).toBe(false);
    for (const d of [live.buildDir, live.imageDir, unmarked, foreign])
      expect(fs.existsSync(d)).toBe(true);
    expect(readMarker(live.buildDir)?.pid).toBe(process.pid);
  });

  it.skipIf(!isRoot)(
    "cleans everything a SIGKILLed build left: mounts, loop, chroot process, dirs (needs root)",
    async () => {
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
    },
  );

  it.skipIf(!isRoot)(
    "detaches a loop whose kiln image dir was already removed (needs root)",
    async () => {
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
    },
  );
});
