import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortRunParts } from "./sort-run-parts.ts";

function gnuSortN(names: string[]): string[] {
  const r = spawnSync("sort", ["-n"], {
    input: names.map((n) => n + "\n").join(""),
    env: { ...process.env, LC_ALL: "C", LANG: "C" },
    encoding: "utf8",
  });
  return r.stdout.split("\n").slice(0, -1);
}

describe("sortRunParts", () => {
  it("orders as dib-run-parts (the spec's worked example)", () => {
    const names = [
      "100-y",
      "10_a",
      "10-b",
      "10-a-1",
      "10-a",
      "9-x",
      "1-w",
      "01-z",
      "abc",
      "_u",
      "Z-up",
      "00-q",
      "-5-neg",
    ];
    expect(sortRunParts(names)).toEqual([
      "-5-neg",
      "00-q",
      "Z-up",
      "_u",
      "abc",
      "01-z",
      "1-w",
      "9-x",
      "10-a",
      "10-a-1",
      "10-b",
      "10_a",
      "100-y",
    ]);
  });

  it("compares numbers of any length", () => {
    expect(sortRunParts(["99999999999999999999-b", "100000000000000000000-a", "5-c"])).toEqual([
      "5-c",
      "99999999999999999999-b",
      "100000000000000000000-a",
    ]);
  });

  it("treats '-' without digits and negative zero as zero", () => {
    expect(sortRunParts(["1-a", "-abc", "-0-x", "-1-y", "0-z"])).toEqual([
      "-1-y",
      "-0-x",
      "-abc",
      "0-z",
      "1-a",
    ]);
  });

  it("agrees with GNU sort -n in the C locale on random names", () => {
    const name = fc.stringMatching(/^-?[0-9]{0,4}[A-Za-z0-9_.-]{0,6}$/).filter((s) => s.length > 0);
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 12 }), (names) => {
        expect(sortRunParts(names)).toEqual(gnuSortN(names));
      }),
      { numRuns: 200 },
    );
  });
});
