import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { listMountsUnder, MountTracker, unmountAllUnder } from "./mounts.ts";
import { createCommandRunner } from "./run-command.ts";
import { isProcessAlive } from "./kill-processes.ts";
import {
  forceCleanup,
  hostEnv,
  makeTempDir,
  mountsAt,
  waitFor,
} from "../../testing/host-fixtures.ts";
import { isRoot, skipNote } from "../../testing/host-capabilities.ts";

const why = isRoot();

describe.skipIf(why)(`MountTracker and unmountAllUnder (root)${skipNote(why)}`, () => {
  const runner = createCommandRunner();
  let dir = "";
  let outside = "";
  const pids: number[] = [];

  afterEach(() => {
    if (dir) forceCleanup(dir, pids.splice(0));
    if (outside) forceCleanup(outside);
    dir = outside = "";
  });

  it("mounts tmpfs, a bind and a read-only bind, and unmounts them", async () => {
    dir = makeTempDir();
    const tracker = new MountTracker({ runner });
    const t = path.join(dir, "with space");
    const src = path.join(dir, "src");
    const rw = path.join(dir, "rw");
    const ro = path.join(dir, "ro");
    for (const d of [t, src, rw, ro]) fs.mkdirSync(d);
    await tracker.mount({ source: "tmpfs", target: t, fstype: "tmpfs", options: ["size=1m"] });
    await tracker.bindMount(src, rw);
    await tracker.bindMount(src, ro, { readOnly: true });
    expect(mountsAt(dir).sort()).toEqual([ro, rw, t].sort());
    fs.writeFileSync(path.join(rw, "f"), "x");
    expect(fs.readFileSync(path.join(ro, "f"), "utf8")).toBe("x");
    expect(() => fs.writeFileSync(path.join(ro, "g"), "x")).toThrow(/EROFS/);
    expect(listMountsUnder(dir).map((e) => e.target)).toContain(t);
    await tracker.unmount(rw);
    expect(tracker.mounted).toEqual([t, ro]);
    const report = await unmountAllUnder(dir, { runner });
    expect(report.errors).toEqual([]);
    expect(report.unmounted.sort()).toEqual([ro, t].sort());
    expect(mountsAt(dir)).toEqual([]);
  });

  it("kills a process that keeps a mount busy, then unmounts without -l", async () => {
    dir = makeTempDir();
    const target = path.join(dir, "busy");
    fs.mkdirSync(target);
    await new MountTracker({ runner }).mount({ source: "tmpfs", target, fstype: "tmpfs" });
    const child = spawn("sleep", ["60"], {
      cwd: target,
      env: hostEnv,
      detached: true,
      stdio: "ignore",
    });
    child.unref();
    pids.push(child.pid!);
    await waitFor(() => fs.readlinkSync(`/proc/${child.pid}/cwd`) === target, 5000, "sleep cwd");
    const report = await unmountAllUnder(dir, { runner, killGraceMs: 1000 });
    expect(report.errors).toEqual([]);
    expect(report.killed.map((k) => [k.pid, k.comm])).toEqual([[child.pid, "sleep"]]);
    expect(report.lazy).toEqual([]);
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(mountsAt(dir)).toEqual([]);
  });

  it("peels stacked mounts and never touches a sibling dir sharing the prefix", async () => {
    dir = makeTempDir();
    outside = `${dir}x`;
    fs.mkdirSync(outside);
    const tracker = new MountTracker({ runner });
    const a = path.join(dir, "a");
    fs.mkdirSync(a);
    await tracker.mount({ source: "tmpfs", target: a, fstype: "tmpfs" });
    await tracker.mount({ source: "tmpfs", target: a, fstype: "tmpfs" });
    fs.mkdirSync(path.join(a, "deeper"));
    await tracker.mount({ source: "tmpfs", target: path.join(a, "deeper"), fstype: "tmpfs" });
    await tracker.mount({ source: "tmpfs", target: outside, fstype: "tmpfs" });
    // A skipped mount stays, and so do the mounts holding it; the rest goes.
    fs.mkdirSync(path.join(dir, "other"));
    await tracker.mount({ source: "tmpfs", target: path.join(dir, "other"), fstype: "tmpfs" });
    const kept = await unmountAllUnder(dir, {
      runner,
      skip: (e) => e.target === path.join(a, "deeper"),
    });
    expect(kept.errors).toEqual([]);
    expect(kept.lazy).toEqual([]);
    expect(kept.unmounted).toEqual([path.join(dir, "other")]);
    expect(mountsAt(dir)).toEqual([a, a, path.join(a, "deeper")]);
    const report = await unmountAllUnder(dir, { runner, includeSelf: true });
    expect(report.errors).toEqual([]);
    expect(report.unmounted).toEqual([path.join(a, "deeper"), a, a]);
    expect(mountsAt(dir)).toEqual([]);
    expect(mountsAt(outside)).toEqual([outside]);
  });

  it("a private bind stops mounts beneath it propagating back to a shared source", async () => {
    dir = makeTempDir();
    const tracker = new MountTracker({ runner });
    const src = path.join(dir, "src");
    fs.mkdirSync(path.join(src, "pts"), { recursive: true });
    // Make src a shared mount, as / (and so /dev) is on systemd hosts.
    await tracker.bindMount(src, src);
    await runner.capture("mount", ["--make-shared", src], { env: hostEnv });
    for (const [name, priv] of [
      ["peer", false],
      ["private", true],
    ] as const) {
      const dst = path.join(dir, name);
      fs.mkdirSync(dst);
      await tracker.bindMount(src, dst, { private: priv });
      await tracker.mount({ source: "tmpfs", target: path.join(dst, "pts"), fstype: "tmpfs" });
    }
    // Only the non-private bind leaked its submount onto the source.
    expect(mountsAt(src)).toEqual([src, path.join(src, "pts")]);
    const report = await unmountAllUnder(dir, { runner });
    expect(report.errors).toEqual([]);
    expect(mountsAt(dir)).toEqual([]);
  });

  it("is a no-op for a dir with nothing mounted, or no dir at all", async () => {
    dir = makeTempDir();
    expect(await unmountAllUnder(dir, { runner })).toEqual({
      unmounted: [],
      lazy: [],
      killed: [],
      errors: [],
    });
    const gone = await unmountAllUnder(path.join(dir, "nope"), { runner });
    expect(gone.errors).toEqual([]);
  });
});
