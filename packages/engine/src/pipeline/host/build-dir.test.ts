import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BUILD_DIR_NAME,
  createBuildDir,
  readBootId,
  readMarker,
  readMemTotalKb,
  tmpfsFits,
} from "./build-dir.ts";
import { createCommandRunner } from "./run-command.ts";
import { readStartTime } from "./kill-processes.ts";
import { forceCleanup, makeTempDir, mountsAt } from "../../testing/host-fixtures.ts";
import type { Logger } from "@kiln/contracts/logger";

function recorder() {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (msg) => warnings.push(msg),
    error: () => {},
  };
  return { logger, warnings };
}

describe("tmpfs rule", () => {
  it("needs twice DIB_MIN_TMPFS GiB of RAM", () => {
    expect(readMemTotalKb("MemTotal:        4194304 kB\nMemFree: 1 kB\n")).toBe(4194304);
    expect(tmpfsFits(2, 4194304)).toBe(true);
    expect(tmpfsFits(2, 4194303)).toBe(false);
    expect(readMemTotalKb("garbage")).toBe(0);
  });
});

describe("createBuildDir", () => {
  const runner = createCommandRunner();
  let tmp = "";
  afterEach(() => {
    if (tmp) forceCleanup(tmp);
    tmp = "";
  });

  it("makes kiln-build.XXXXXXXX and kiln-image.XXXXXXXX with a marker naming this process", async () => {
    tmp = makeTempDir();
    const dirs = await createBuildDir({ tmpDir: tmp, tmpfs: false, runner });
    expect(path.dirname(dirs.buildDir)).toBe(tmp);
    expect(path.basename(dirs.buildDir)).toMatch(/^kiln-build\.[A-Za-z0-9]{8}$/);
    expect(path.basename(dirs.imageDir)).toMatch(/^kiln-image\.[A-Za-z0-9]{8}$/);
    expect(BUILD_DIR_NAME.test(path.basename(dirs.imageDir))).toBe(true);
    expect(dirs.tmpfs).toBe(false);
    const marker = readMarker(dirs.buildDir);
    expect(marker).toMatchObject({ kind: "build", pid: process.pid, bootId: readBootId() });
    expect(marker?.pidStartTime).toBe(readStartTime(process.pid));
    expect(Date.now() - Date.parse(marker!.startedAt)).toBeLessThan(60_000);
    expect(readMarker(dirs.imageDir)?.kind).toBe("image");
  });

  it("falls back to plain dirs with a warning when RAM is short", async () => {
    tmp = makeTempDir();
    const { logger, warnings } = recorder();
    const dirs = await createBuildDir({
      tmpDir: tmp,
      tmpfs: true,
      minTmpfsGb: 2,
      runner,
      logger,
      meminfo: "MemTotal: 1048576 kB\n",
    });
    expect(dirs.tmpfs).toBe(false);
    expect(warnings).toEqual([
      `not enough RAM to use tmpfs for the build, using ${tmp} (1048576 kB < 4 GiB)`,
    ]);
    expect(mountsAt(tmp)).toEqual([]);
  });

  it("names the tmpDir when it cannot create the dirs", async () => {
    await expect(
      createBuildDir({ tmpDir: "/nonexistent/kiln-tmp", tmpfs: false, runner }),
    ).rejects.toThrow("build tmp dir /nonexistent/kiln-tmp is not usable: ENOENT");
  });
});
