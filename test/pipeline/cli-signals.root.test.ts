import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE_ELEMENTS, leftovers } from "./fake-build.ts";
import { canBuild, skipNote } from "@kiln/engine/testing/host-capabilities";

const KILN = path.resolve(import.meta.dirname, "..", "..", "apps", "cli", "bin", "kiln.js");
const why = canBuild();

/** Start `kiln build` on the fake OS with a sleeping install.d hook. */
function startBuild(tmpDir: string, out: string) {
  const child = spawn(
    process.execPath,
    [
      KILN,
      "build",
      "-n",
      "-t",
      "raw",
      "--image-size",
      "0.2",
      "--no-tmpfs",
      "-o",
      path.join(out, "img"),
      "fake-os",
      "sleep-in-install",
    ],
    {
      env: {
        ...process.env,
        ELEMENTS_PATH: FIXTURE_ELEMENTS,
        TMP_DIR: tmpDir,
        KILN_TEST_SLEEP: "120",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const sleeping = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("| sleeping")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, sleeping, exited, output: () => output };
}

describe.skipIf(why)(`kiln build under signals${skipNote(why)}`, () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} mid-install cancels the build and leaves no mount, loop device or chroot process`, async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-sig-"));
      const tmpDir = path.join(base, "tmp");
      fs.mkdirSync(tmpDir);
      const b = startBuild(tmpDir, base);
      await b.sleeping;
      const t0 = Date.now();
      b.child.kill(signal);
      const code = await b.exited;
      expect(code, b.output()).toBe(3);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(b.output()).toContain("Build cancelled");
      expect(leftovers([tmpDir])).toEqual({ mounts: [], loops: [] });
      expect(fs.readdirSync(tmpDir)).toEqual([]);
      // No process is left running with its root inside the build.
      const chrooted = fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readlinkSync(`/proc/${p}/root`).startsWith(tmpDir);
          } catch {
            return false;
          }
        });
      expect(chrooted).toEqual([]);
    });
  }
});
