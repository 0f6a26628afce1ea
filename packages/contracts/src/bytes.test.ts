import { describe, expect, it } from "vitest";
import { concatBytes } from "./bytes.ts";

describe("concatBytes", () => {
  it("joins chunks in order into a new array", () => {
    const first = new Uint8Array([1, 2]);
    const joined = concatBytes([first, new Uint8Array([]), new Uint8Array([3])], 3);
    expect([...joined]).toEqual([1, 2, 3]);
    joined[0] = 9;
    expect(first[0]).toBe(1);
  });

  it("gives an empty array for no chunks", () => {
    expect(concatBytes([], 0).byteLength).toBe(0);
  });
});
