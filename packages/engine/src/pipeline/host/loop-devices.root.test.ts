import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  attachLoop,
  detachLoop,
  detachLoopsBackedUnder,
  isLoopAttached,
  listLoops,
} from "./loop-devices.ts";
import { createCommandRunner } from "./run-command.ts";
import {
  forceCleanup,
  loopsAt,
  makePartitionedImage,
  makeTempDir,
} from "../../testing/host-fixtures.ts";
import { canUseLoopDevices, skipNote } from "../../testing/host-capabilities.ts";

const why = canUseLoopDevices();

describe.skipIf(why)(`loop devices (root)${skipNote(why)}`, () => {
  const runner = createCommandRunner();
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) forceCleanup(d);
    dirs = [];
  });

  it("attaches a partitioned sparse image with partition nodes, and detaches it", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const img = path.join(dir, "image0.raw");
    makePartitionedImage(img);
    const loop = await attachLoop(img, { runner });
    expect(loop.device).toMatch(/^\/dev\/loop[0-9]+$/);
    expect(loop.partitions).toEqual([`${loop.device}p1`, `${loop.device}p2`]);
    for (const p of loop.partitions) expect(fs.statSync(p).isBlockDevice()).toBe(true);
    expect((await listLoops({ runner })).find((l) => l.name === loop.device)?.backFile).toBe(img);
    expect(loopsAt(dir)).toHaveLength(1);

    await detachLoop(loop.device, { runner });
    expect(isLoopAttached(loop.device)).toBe(false);
    expect(loopsAt(dir)).toEqual([]);
    await detachLoop(loop.device, { runner }); // idempotent
  });

  it("attaches an image without a partition table (no partitions, no error)", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const img = path.join(dir, "blank.raw");
    fs.closeSync(fs.openSync(img, "w"));
    fs.truncateSync(img, 8 * 1024 * 1024);
    const loop = await attachLoop(img, { runner });
    expect(loop.partitions).toEqual([]);
    await detachLoop(loop.device, { runner });
    expect(loopsAt(dir)).toEqual([]);
  });

  it("detaches only the loops backed under the given dir, deleted backing files included", async () => {
    const mine = makeTempDir();
    const other = makeTempDir();
    dirs.push(mine, other);
    const a = path.join(mine, "a.raw");
    const b = path.join(mine, "sub", "b.raw");
    const c = path.join(other, "c.raw");
    fs.mkdirSync(path.dirname(b));
    for (const f of [a, b, c]) makePartitionedImage(f);
    const la = await attachLoop(a, { runner });
    const lb = await attachLoop(b, { runner });
    const lc = await attachLoop(c, { runner });
    fs.unlinkSync(b);
    const r = await detachLoopsBackedUnder(mine, { runner });
    expect(r.errors).toEqual([]);
    expect(r.detached.sort()).toEqual([la.device, lb.device].sort());
    expect(loopsAt(mine)).toEqual([]);
    expect(isLoopAttached(lc.device)).toBe(true);
    await detachLoop(lc.device, { runner });
  });
});
