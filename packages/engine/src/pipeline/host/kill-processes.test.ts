import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  findProcessesWithin,
  isPathWithin,
  isProcessAlive,
  killPids,
  listGroupMembers,
  readStartTime,
  stripDeleted,
} from "./kill-processes.ts";
import { hostEnv, makeTempDir, waitFor } from "../../testing/host-fixtures.ts";

describe("path helpers", () => {
  it("matches the dir and what is beneath it, not a sibling sharing the prefix", () => {
    expect(isPathWithin("/tmp/b", "/tmp/b")).toBe(true);
    expect(isPathWithin("/tmp/b/x", "/tmp/b")).toBe(true);
    expect(isPathWithin("/tmp/bx", "/tmp/b")).toBe(false);
    expect(stripDeleted("/tmp/b/f (deleted)")).toBe("/tmp/b/f");
  });
});

describe("processes", () => {
  let dir = "";
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = "";
  });

  it("finds a process by cwd and by open fd, and kills it with SIGTERM", async () => {
    dir = makeTempDir();
    fs.mkdirSync(path.join(dir, "a"));
    const byCwd = spawn("sleep", ["60"], {
      cwd: path.join(dir, "a"),
      env: hostEnv,
      stdio: "ignore",
    });
    const byFd = spawn("sh", ["-c", `exec 3>"${dir}/f"; exec sleep 60`], {
      env: hostEnv,
      stdio: "ignore",
    });
    pids.push(byCwd.pid!, byFd.pid!);
    await waitFor(() => fs.readFileSync(`/proc/${byFd.pid}/comm`, "utf8").trim() === "sleep");
    await waitFor(() => findProcessesWithin(dir).length === 2, 5000, "both processes");
    const found = new Map(findProcessesWithin(dir).map((p) => [p.pid, p.links]));
    expect(found.get(byCwd.pid!)).toContain("cwd");
    expect(found.get(byFd.pid!)).toContain("fd");
    expect(readStartTime(byCwd.pid!)).toBeGreaterThan(0);
    const killed = await killPids([byCwd.pid!, byFd.pid!], 1000);
    expect(killed.map((k) => k.signal)).toEqual(["SIGTERM", "SIGTERM"]);
    await waitFor(() => !isProcessAlive(byCwd.pid!) && !isProcessAlive(byFd.pid!));
  });

  it("escalates to SIGKILL when SIGTERM is ignored, and lists a group's live members", async () => {
    const child = spawn("sh", ["-c", "trap '' TERM; sleep 60 & wait"], {
      env: hostEnv,
      stdio: "ignore",
      detached: true,
    });
    pids.push(child.pid!);
    await waitFor(() => listGroupMembers(child.pid!).length === 2, 5000, "group of two");
    const members = listGroupMembers(child.pid!);
    pids.push(...members);
    const t0 = Date.now();
    const killed = await killPids(members, 300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(killed.every((k) => k.signal === "SIGKILL")).toBe(true);
    await waitFor(() => listGroupMembers(child.pid!).length === 0);
  });

  it("does not count a zombie as alive", async () => {
    const child = spawn("true", [], { env: hostEnv, stdio: "ignore" });
    await new Promise((r) => child.once("exit", r));
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});
