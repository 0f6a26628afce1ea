import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  assertTeardownClean,
  emptyTeardownReport,
  teardownBuild,
  TeardownError,
} from "./teardown.ts";
import { createCommandRunner } from "./run-command.ts";

const runner = createCommandRunner({ stragglerGraceMs: 300 });

describe("teardownBuild", () => {
  it("returns an empty report for directories that do not exist", async () => {
    const report = await teardownBuild({
      buildDir: "/tmp/kiln-build.nonexist",
      imageDir: "/tmp/kiln-image.nonexist",
      keep: false,
      runner,
    });
    expect(report).toEqual(emptyTeardownReport());
  });

  it("refuses a shallow path such as / or /tmp", async () => {
    const report = await teardownBuild({ buildDir: "/tmp", keep: false, runner });
    expect(report.errors).toEqual(["refusing to tear down /tmp: not a build directory"]);
    expect(() => assertTeardownClean(report)).toThrow(TeardownError);
    expect(fs.existsSync("/tmp")).toBe(true);
  });
});
