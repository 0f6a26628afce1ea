import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { BASE_TOOLS, checkHost } from "./preflight.ts";
import { canUseLoopDevices, skipNote } from "../../testing/host-capabilities.ts";

const why = canUseLoopDevices();

describe.skipIf(why)(`preflight (root)${skipNote(why)}`, () => {
  let tmp = "";
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = "";
  });

  it("passes on this host for root, the base tools, one loop device and 1 MiB", () => {
    expect(() =>
      checkHost({
        root: true,
        tools: BASE_TOOLS,
        loopDevices: 1,
        space: [{ dir: "/tmp", bytes: 2 ** 20 }],
      }),
    ).not.toThrow();
  });
});
