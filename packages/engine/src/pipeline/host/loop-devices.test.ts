import { describe, expect, it } from "vitest";
import { parseLosetupJson } from "./loop-devices.ts";

describe("parseLosetupJson", () => {
  it("reads names and backing files, flags and strips ' (deleted)'", () => {
    const text = JSON.stringify({
      loopdevices: [
        { name: "/dev/loop0", "back-file": "/tmp/kiln-image.AbCdEfGh/image0.raw" },
        { name: "/dev/loop3", "back-file": "/tmp/a b/img.raw (deleted)" },
        { name: "/dev/loop4", "back-file": null },
      ],
    });
    expect(parseLosetupJson(text)).toEqual([
      { name: "/dev/loop0", backFile: "/tmp/kiln-image.AbCdEfGh/image0.raw", deleted: false },
      { name: "/dev/loop3", backFile: "/tmp/a b/img.raw", deleted: true },
      { name: "/dev/loop4", backFile: "", deleted: false },
    ]);
  });

  it("treats empty output and an empty list as no devices", () => {
    expect(parseLosetupJson("")).toEqual([]);
    expect(parseLosetupJson('{\n   "loopdevices": [\n\n   ]\n}\n')).toEqual([]);
  });
});
