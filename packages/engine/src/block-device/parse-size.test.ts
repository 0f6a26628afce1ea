import { describe, expect, it } from "vitest";
import { InvalidSizeError } from "./errors.ts";
import { parseAbsSize, parseRelSize, parseSize } from "./parse-size.ts";

describe("parseAbsSize", () => {
  it("reads binary, decimal and bare units case-sensitively", () => {
    expect(parseAbsSize("1KiB")).toBe(1024);
    expect(parseAbsSize("8MiB")).toBe(8 * 1024 * 1024);
    expect(parseAbsSize("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseAbsSize("1TiB")).toBe(1024 ** 4);
    expect(parseAbsSize("40G")).toBe(40e9);
    expect(parseAbsSize("3GB")).toBe(3e9);
    expect(parseAbsSize("1800M")).toBe(1.8e9);
    expect(parseAbsSize("5K")).toBe(5000);
    expect(parseAbsSize("512B")).toBe(512);
    expect(parseAbsSize("1000")).toBe(1000);
  });

  it("allows one space, a missing number (= 1) and truncates fractions", () => {
    expect(parseAbsSize("10 MiB")).toBe(10 * 1024 * 1024);
    expect(parseAbsSize("MiB")).toBe(1024 * 1024);
    expect(parseAbsSize("1.5KiB")).toBe(1536);
    expect(parseAbsSize("0.3333K")).toBe(333);
    expect(parseAbsSize(".5M")).toBe(500000);
  });

  it("rejects unknown units, bad numbers and non-strings", () => {
    expect(() => parseAbsSize("10mib")).toThrow(/unit 'mib' is not known/);
    expect(() => parseAbsSize("1.2.3G")).toThrow(/'1.2.3' is not a number/);
    expect(() => parseAbsSize("10  GiB")).toThrow(InvalidSizeError);
    expect(() => parseAbsSize(1024 as unknown as string)).toThrow(/must be strings/);
  });
});

describe("parseRelSize", () => {
  it("takes percentages of the base, truncated", () => {
    expect(parseRelSize("100%", 2 * 1024 ** 3)).toEqual({ bytes: 2 * 1024 ** 3, relative: true });
    expect(parseSize("55%", 1001)).toBe(550);
    expect(parseSize("33.3%", 1000)).toBe(333);
    expect(parseRelSize("8MiB", 0)).toEqual({ bytes: 8 * 1024 * 1024, relative: false });
  });

  it("rejects an empty spec and a bad percentage", () => {
    expect(() => parseRelSize("", 10)).toThrow(/empty/);
    expect(() => parseRelSize("x%", 10)).toThrow(/'x' is not a number/);
  });
});
