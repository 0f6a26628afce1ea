import { describe, expect, it } from "vitest";
import { buildRequestList } from "./request.ts";

describe("buildRequestList", () => {
  it("prepends base unless -n", () => {
    expect(buildRequestList({ elements: ["debian-minimal"], arch: "amd64" })).toEqual([
      "base",
      "debian-minimal",
    ]);
    expect(buildRequestList({ elements: ["debian-minimal"], arch: "amd64", skipBase: true })).toEqual([
      "debian-minimal",
    ]);
  });

  it("gives vm the architecture's default block device", () => {
    expect(buildRequestList({ elements: ["vm", "d"], arch: "amd64", skipBase: true })).toEqual([
      "vm",
      "d",
      "block-device-mbr",
    ]);
    for (const arch of ["arm64", "aarch64"]) {
      expect(buildRequestList({ elements: ["vm"], arch, skipBase: true })).toEqual([
        "vm",
        "block-device-efi",
      ]);
    }
  });

  it("keeps an explicit block-device element", () => {
    expect(
      buildRequestList({ elements: ["vm", "block-device-gpt"], arch: "amd64", skipBase: true }),
    ).toEqual(["vm", "block-device-gpt"]);
  });

  it("does not add a block device without vm", () => {
    expect(buildRequestList({ elements: ["d"], arch: "amd64", skipBase: true })).toEqual(["d"]);
  });
});
