import { describe, expect, it } from "vitest";
import { planOutputs, stripTypeSuffix } from "./plan-outputs.ts";

describe("stripTypeSuffix", () => {
  it("strips one trailing .<type> only when exactly one type is asked for", () => {
    expect(stripTypeSuffix("foo.qcow2", ["qcow2"])).toBe("foo");
    expect(stripTypeSuffix("foo.qcow2.qcow2", ["qcow2"])).toBe("foo.qcow2");
    expect(stripTypeSuffix("foo.qcow2", ["qcow2", "raw"])).toBe("foo.qcow2");
    expect(stripTypeSuffix("foo.raw", ["qcow2"])).toBe("foo.raw");
    expect(stripTypeSuffix("fooXqcow2", ["qcow2"])).toBe("fooXqcow2");
  });
});

describe("planOutputs", () => {
  it("splits tree and disk types, dedupes and moves raw last", () => {
    expect(planOutputs("img", ["raw", "tar", "qcow2", "raw", "vhd", "squashfs"])).toEqual({
      imageName: "img",
      tree: ["tar", "squashfs"],
      disk: ["qcow2", "vhd", "raw"],
      keepTar: true,
    });
    expect(planOutputs("x.tgz", ["tgz"])).toMatchObject({
      imageName: "x",
      tree: ["tgz"],
      keepTar: false,
    });
  });

  it("names the unsupported type", () => {
    expect(() => planOutputs("img", ["qcow2", "aci"])).toThrow(
      /^output type 'aci' is not supported \(DIB's aci and docker outputs are not supported\); use one of tar, tgz/,
    );
    expect(() => planOutputs("img", ["iso"])).toThrow(/output type 'iso' is not supported; use/);
    expect(() => planOutputs("img", [])).toThrow("output types: none given");
  });
});
