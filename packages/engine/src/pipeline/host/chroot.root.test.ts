import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killChrootProcesses, mountChrootFilesystems, readHostDevptsOptions } from "./chroot.ts";
import { listMounts, MountTracker, unmountAllUnder } from "./mounts.ts";
import { createCommandRunner } from "./run-command.ts";
import { isProcessAlive } from "./kill-processes.ts";
import {
  forceCleanup,
  makeTempDir,
  makeTinyChroot,
  mountsAt,
  startChrootedSleep,
  waitFor,
} from "../../testing/host-fixtures.ts";
import { isRoot, skipNote } from "../../testing/host-capabilities.ts";

const why = isRoot();

describe.skipIf(why)(`chroot filesystems and processes (root)${skipNote(why)}`, () => {
  const runner = createCommandRunner();
  let dir = "";
  const pids: number[] = [];
  afterEach(() => {
    if (dir) forceCleanup(dir, pids.splice(0));
    dir = "";
  });

  it("mounts proc, /dev, devpts with the host's options and a read-only sysfs", async () => {
    dir = makeTempDir();
    const root = path.join(dir, "mnt");
    fs.mkdirSync(root);
    const tracker = new MountTracker({ runner });
    await mountChrootFilesystems(tracker, root, { runner });
    const byTarget = new Map(listMounts().map((m) => [m.target, m]));
    expect(byTarget.get(`${root}/proc`)?.fstype).toBe("proc");
    expect(byTarget.get(`${root}/dev`)?.fstype).toBe("devtmpfs");
    const pts = byTarget.get(`${root}/dev/pts`);
    expect(pts?.fstype).toBe("devpts");
    const hostOpts = (await readHostDevptsOptions(runner)).split(",");
    for (const o of hostOpts.filter((o) => o.startsWith("mode=") || o.startsWith("gid="))) {
      expect(pts?.options).toContain(o);
    }
    const sys = byTarget.get(`${root}/sys`);
    expect(sys?.fstype).toBe("sysfs");
    expect(sys?.options).toContain("ro");
    expect(tracker.mounted).toEqual([
      `${root}/proc`,
      `${root}/dev`,
      `${root}/dev/pts`,
      `${root}/sys`,
    ]);
    const report = await unmountAllUnder(dir, { runner });
    expect(report.errors).toEqual([]);
    expect(mountsAt(dir)).toEqual([]);
    // The host's own /dev/pts is untouched.
    expect(listMounts().some((m) => m.target === "/dev/pts")).toBe(true);
  });

  it("kills processes running inside the chroot and names them", async () => {
    dir = makeTempDir();
    const root = path.join(dir, "mnt");
    makeTinyChroot(root);
    const child = startChrootedSleep(root);
    pids.push(child.pid!);
    // chroot execs sleep, so the pid's root flips to the chroot once it has started.
    await waitFor(
      () => {
        try {
          return fs.readlinkSync(`/proc/${child.pid}/root`) === root;
        } catch {
          return false;
        }
      },
      5000,
      "chrooted sleep",
    );
    const outsider = startChrootedSleep("/");
    pids.push(outsider.pid!);
    const killed = await killChrootProcesses(dir, { graceMs: 1000 });
    expect(killed).toEqual([{ pid: child.pid, comm: "sleep", signal: "SIGTERM" }]);
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(isProcessAlive(outsider.pid!)).toBe(true);
    expect(await killChrootProcesses(dir)).toEqual([]);
  });
});
