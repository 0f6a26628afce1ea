import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBuildDir, MARKER_FILE, readMarker } from "./build-dir.ts";
import { createCommandRunner } from "./run-command.ts";
import { forceCleanup, makeTempDir, mountsAt } from "../../testing/host-fixtures.ts";
import { isRoot, skipNote } from "../../testing/host-capabilities.ts";

const why = isRoot();

describe.skipIf(why)(`createBuildDir (root)${skipNote(why)}`, () => {
  const runner = createCommandRunner();
  let tmp = "";
  afterEach(() => {
    if (tmp) forceCleanup(tmp);
    tmp = "";
  });

  it("mounts tmpfs on both, with the marker inside and beneath", async () => {
    tmp = makeTempDir();
    const dirs = await createBuildDir({
      tmpDir: tmp,
      tmpfs: true,
      minTmpfsGb: 1,
      runner,
      meminfo: "MemTotal: 8388608 kB\n",
    });
    expect(dirs.tmpfs).toBe(true);
    expect(mountsAt(tmp).sort()).toEqual([dirs.buildDir, dirs.imageDir].sort());
    expect(readMarker(dirs.buildDir)?.kind).toBe("build");
    await runner.capture("umount", [dirs.buildDir]);
    expect(fs.existsSync(path.join(dirs.buildDir, MARKER_FILE))).toBe(true);
  });
});
