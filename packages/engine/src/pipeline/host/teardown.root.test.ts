import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  assertTeardownClean,
  emptyTeardownReport,
  teardownBuild,
  type TeardownReport,
} from "./teardown.ts";
import { createBuildDir } from "./build-dir.ts";
import { MountTracker } from "./mounts.ts";
import { createCommandRunner } from "./run-command.ts";
import { isProcessAlive } from "./kill-processes.ts";
import { makeBusyBuild } from "../../testing/busy-build.ts";
import { canUseLoopDevices, skipNote } from "../../testing/host-capabilities.ts";
import {
  forceCleanup,
  hostEnv,
  loopsAt,
  makeTempDir,
  mountsAt,
  spawnFixture,
  startChrootedSleep,
  waitFor,
} from "../../testing/host-fixtures.ts";

const runner = createCommandRunner({ stragglerGraceMs: 300 });
const why = canUseLoopDevices();

describe.skipIf(why)(`teardownBuild (root)${skipNote(why)}`, () => {
  let tmp = "";
  let outside = "";
  const pids: number[] = [];
  afterEach(() => {
    if (tmp) forceCleanup(tmp, pids.splice(0));
    if (outside) fs.rmSync(outside, { recursive: true, force: true });
    tmp = outside = "";
  });

  it("leaves no mount, loop, process or dir after a build held busy by a chrooted and a host process", async () => {
    tmp = makeTempDir();
    const b = await makeBusyBuild(tmp, runner);
    // A chroot leftover, and a host process ignoring SIGTERM with its cwd in the mounted image.
    const chrooted = startChrootedSleep(b.root);
    pids.push(chrooted.pid!);
    const stubborn = spawn("sh", ["-c", "trap '' TERM; exec sleep 60"], {
      cwd: path.join(b.buildDir, "built"),
      env: hostEnv,
      detached: true,
      stdio: "ignore",
    });
    stubborn.unref();
    pids.push(stubborn.pid!);
    await waitFor(() => fs.readlinkSync(`/proc/${chrooted.pid}/root`) === b.root, 5000, "chroot");
    await waitFor(() => fs.readFileSync(`/proc/${stubborn.pid}/comm`, "utf8").trim() === "sleep");
    expect(mountsAt(tmp).length).toBeGreaterThanOrEqual(9);
    expect(loopsAt(tmp)).toHaveLength(1);

    const t0 = Date.now();
    const report = await teardownBuild({ ...b, keep: false, runner, killGraceMs: 500 });
    const ms = Date.now() - t0;
    expect(report.errors).toEqual([]);
    expect(mountsAt(tmp)).toEqual([]);
    expect(loopsAt(tmp)).toEqual([]);
    expect(fs.existsSync(b.buildDir) || fs.existsSync(b.imageDir)).toBe(false);
    expect(report.removed.sort()).toEqual([b.buildDir, b.imageDir].sort());
    expect(report.detached).toEqual([b.loop]);
    expect(report.lazy).toEqual([]);
    const killed = new Map(report.killed.map((k) => [k.pid, k]));
    expect(killed.get(chrooted.pid!)).toEqual({
      pid: chrooted.pid,
      comm: "sleep",
      signal: "SIGTERM",
    });
    expect(killed.get(stubborn.pid!)).toEqual({
      pid: stubborn.pid,
      comm: "sleep",
      signal: "SIGKILL",
    });
    expect(isProcessAlive(chrooted.pid!) || isProcessAlive(stubborn.pid!)).toBe(false);
    expect(ms).toBeLessThan(10_000);
    expect(() => assertTeardownClean(report)).not.toThrow();

    // Idempotent: a second run on the clean state finds nothing and reports no error.
    const again = await teardownBuild({ ...b, keep: false, runner });
    expect(again).toEqual(emptyTeardownReport());
  });

  it("keep: releases mounts and loops but leaves the directories", async () => {
    tmp = makeTempDir();
    const b = await makeBusyBuild(tmp, runner);
    fs.writeFileSync(path.join(b.buildDir, "hooks", "evidence"), "x");
    const report = await teardownBuild({ ...b, keep: true, runner });
    expect(report.errors).toEqual([]);
    expect(mountsAt(tmp)).toEqual([]);
    expect(loopsAt(tmp)).toEqual([]);
    expect(report.removed).toEqual([]);
    // The tmpfs is gone with its content; what was written beneath it stays.
    expect(fs.existsSync(b.buildDir) && fs.existsSync(b.imageDir)).toBe(true);
  });

  it("never deletes through a bind mount of an outside directory", async () => {
    tmp = makeTempDir();
    outside = makeTempDir("kiln-host-cache-");
    fs.writeFileSync(path.join(outside, "precious.deb"), "keep me");
    const dirs = await createBuildDir({ tmpDir: tmp, tmpfs: false, runner });
    const cache = path.join(dirs.buildDir, "mnt/var/cache/apt/archives");
    fs.mkdirSync(cache, { recursive: true });
    await new MountTracker({ runner }).bindMount(outside, cache);
    const report = await teardownBuild({ ...dirs, keep: false, runner });
    expect(report.errors).toEqual([]);
    expect(fs.readFileSync(path.join(outside, "precious.deb"), "utf8")).toBe("keep me");
    expect(fs.existsSync(dirs.buildDir)).toBe(false);
  });

  it("falls back to a lazy unmount when the user of a mount cannot be killed (this process)", async () => {
    tmp = makeTempDir();
    const dirs = await createBuildDir({ tmpDir: tmp, tmpfs: false, runner });
    const t = path.join(dirs.buildDir, "held");
    fs.mkdirSync(t);
    await new MountTracker({ runner }).mount({ source: "tmpfs", target: t, fstype: "tmpfs" });
    const fd = fs.openSync(path.join(t, "open"), "w");
    try {
      const report = await teardownBuild({ ...dirs, keep: false, runner });
      expect(report.errors).toEqual([]);
      expect(report.lazy).toEqual([t]);
      expect(mountsAt(tmp)).toEqual([]);
      expect(fs.existsSync(dirs.buildDir)).toBe(false);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("cleans up after a hook cancelled through an AbortSignal inside the chroot", async () => {
    tmp = makeTempDir();
    const b = await makeBusyBuild(tmp, runner);
    const ac = new AbortController();
    const seen: string[] = [];
    const res = await runner.run("chroot", [b.root, "sh", "-c", "sleep 60 & echo started; wait"], {
      env: hostEnv,
      signal: ac.signal,
      killGraceMs: 500,
      onLine: (line) => {
        seen.push(line);
        ac.abort();
      },
    });
    expect(seen).toEqual(["started"]);
    expect(res.signal).toBe("SIGTERM");
    const report = await teardownBuild({ ...b, keep: false, runner });
    expect(report.errors).toEqual([]);
    expect(report.killed).toEqual([]); // the runner already took the whole group down
    expect(mountsAt(tmp)).toEqual([]);
    expect(loopsAt(tmp)).toEqual([]);
  });

  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`a build process that gets ${sig} aborts its hook and leaves nothing behind`, async () => {
      tmp = makeTempDir();
      const fx = spawnFixture("signal-build", [tmp, "wait"]);
      await fx.waitLine((l) => l === "READY");
      expect(mountsAt(tmp).length).toBeGreaterThanOrEqual(8);
      const t0 = Date.now();
      fx.child.kill(sig);
      const code = await fx.exited;
      const ms = Date.now() - t0;
      const out = JSON.parse(await fx.waitLine((l) => l.startsWith("{"))) as {
        report: TeardownReport;
      };
      expect(out.report.errors).toEqual([]);
      expect(code).toBe(130);
      expect(mountsAt(tmp)).toEqual([]);
      expect(loopsAt(tmp)).toEqual([]);
      expect(out.report.detached).toHaveLength(1);
      expect(fs.readdirSync(tmp)).toEqual([]);
      expect(ms).toBeLessThan(10_000);
    });
  }

  it("a failing hook is followed by a full teardown", async () => {
    tmp = makeTempDir();
    const fx = spawnFixture("signal-build", [tmp, "fail"]);
    const code = await fx.exited;
    const out = JSON.parse(await fx.waitLine((l) => l.startsWith("{"))) as {
      report: TeardownReport;
    };
    expect(code).toBe(3);
    expect(out.report.errors).toEqual([]);
    expect(out.report.unmounted.length).toBeGreaterThanOrEqual(8);
    expect(mountsAt(tmp)).toEqual([]);
    expect(loopsAt(tmp)).toEqual([]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
