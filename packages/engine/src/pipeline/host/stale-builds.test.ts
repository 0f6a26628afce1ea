import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanStaleBuilds, staleReason } from "./stale-builds.ts";
import { createBuildDir, MARKER_FILE, readBootId, readMarker } from "./build-dir.ts";
import { createCommandRunner } from "./run-command.ts";
import { forceCleanup, makeTempDir } from "../../testing/host-fixtures.ts";

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
});
