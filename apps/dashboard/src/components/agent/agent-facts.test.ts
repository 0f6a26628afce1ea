import { describe, expect, it } from "vitest";
import { countWaitingReasons, hostChecks, parseLabels } from "./agent-facts.ts";

describe("hostChecks", () => {
  it("reads a list of checks, ok unless it says false, detail or message", () => {
    expect(
      hostChecks({
        checks: [
          { name: "root", ok: true },
          { name: "loop", ok: false, message: "no /dev/loop-control" },
          { detail: "x" },
        ],
      }),
    ).toEqual([
      { name: "root", ok: true, detail: "" },
      { name: "loop", ok: false, detail: "no /dev/loop-control" },
      { name: "?", ok: true, detail: "x" },
    ]);
  });

  it("reads a map of name to true/false or to an object", () => {
    expect(
      hostChecks({ checks: { root: true, qemu: false, space: { ok: false, detail: "2 GB" } } }),
    ).toEqual([
      { name: "root", ok: true, detail: "" },
      { name: "qemu", ok: false, detail: "" },
      { name: "space", ok: false, detail: "2 GB" },
    ]);
  });

  it("finds nothing when the agent reported no checks", () => {
    expect(hostChecks({})).toEqual([]);
    expect(hostChecks({ checks: "later" })).toEqual([]);
  });
});

describe("parseLabels", () => {
  it("splits at the first '=' and keeps a bare key", () => {
    expect(parseLabels(["site=lab", "url=a=b", "gpu"])).toEqual({
      site: "lab",
      url: "a=b",
      gpu: "",
    });
  });
});

describe("countWaitingReasons", () => {
  it("counts each reason once per build and skips builds without one", () => {
    expect(
      countWaitingReasons([
        { waitingReason: "no agent online" },
        { waitingReason: null },
        { waitingReason: "needs arch arm64" },
        { waitingReason: "no agent online" },
      ]),
    ).toEqual([
      ["no agent online", 2],
      ["needs arch arm64", 1],
    ]);
  });
});
