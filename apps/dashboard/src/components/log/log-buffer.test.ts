import { describe, expect, it } from "vitest";
import { LogBuffer } from "./log-buffer.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("LogBuffer", () => {
  it("splits lines across chunks, keeps byte offsets exact with multi-byte text", () => {
    const log = new LogBuffer();
    const all = bytes("héllo\nwörld\r\nlast");
    // Cut inside the 2-byte 'é' and inside a line.
    expect(log.append(0, all.subarray(0, 2))).toBe(true);
    expect(log.append(2, all.subarray(2, 9))).toBe(true);
    expect(log.append(9, all.subarray(9))).toBe(true);
    expect(log.lines).toEqual(["héllo", "wörld"]);
    expect(log.lineCount).toBe(3);
    expect(log.line(2)).toBe("last");
    expect(log.offsets).toEqual([0, 7]);
    expect(log.offsetOf(2)).toBe(15);
    expect(log.bytes).toBe(all.length);
  });

  it("ignores resent data and refuses gaps", () => {
    const log = new LogBuffer();
    log.append(0, bytes("a\nb\n"));
    expect(log.append(0, bytes("a\n"))).toBe(false);
    expect(log.append(2, bytes("b\nc\n"))).toBe(true); // overlap: only "c\n" is new
    expect(log.lines).toEqual(["a", "b", "c"]);
    expect(log.append(100, bytes("x\n"))).toBe(false);
  });

  it("places an offset on the first line starting at or after it", () => {
    const log = new LogBuffer();
    log.append(0, bytes("aa\nbb\ncc\n"));
    expect(log.lineAt(0)).toBe(0);
    expect(log.lineAt(3)).toBe(1);
    expect(log.lineAt(4)).toBe(2);
    expect(log.lineAt(9)).toBe(3);
  });
});
