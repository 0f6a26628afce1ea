import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { withBuildLock } from "./ensure-next-build.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "kiln-next-lock-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("withBuildLock", () => {
  it("runs one holder at a time", async () => {
    const dir = tempDir();
    let inside = 0;
    let most = 0;
    const work = () =>
      withBuildLock(dir, silentLogger, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 150));
        inside--;
      });
    await Promise.all([work(), work(), work()]);
    expect(most).toBe(1);
  });

  it("takes over a lock whose process is gone", async () => {
    const dir = tempDir();
    const lock = path.join(dir, ".next-build.lock");
    mkdirSync(lock);
    // A pid far above pid_max on Linux: no such process.
    writeFileSync(path.join(lock, "pid"), "999999999");
    expect(await withBuildLock(dir, silentLogger, async () => "ran")).toBe("ran");
  });
});
