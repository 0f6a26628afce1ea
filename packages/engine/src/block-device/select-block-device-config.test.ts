import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ElementRef } from "../elements/types.ts";
import type { Logger } from "@kiln/contracts/logger";
import {
  DEFAULT_BLOCK_DEVICE_CONFIG,
  selectBlockDeviceConfig,
} from "./select-block-device-config.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bd-select-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function element(name: string, files: Record<string, string> = {}): ElementRef {
  const p = path.join(dir, name);
  fs.mkdirSync(p, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(p, f), text);
  return { name, path: p };
}

describe("selectBlockDeviceConfig", () => {
  it("prefers DIB_BLOCK_DEVICE_CONFIG=file://PATH, then literal YAML", () => {
    const file = path.join(dir, "mine.yaml");
    fs.writeFileSync(file, "- local_loop: {name: image0}\n");
    const els = [element("block-device-mbr", { "block-device-default.yaml": "elem" })];
    const a = selectBlockDeviceConfig({
      env: { DIB_BLOCK_DEVICE_CONFIG: `file://${file}` },
      elements: els,
      arch: "amd64",
    });
    expect(a).toMatchObject({
      origin: "env-file",
      source: file,
      text: "- local_loop: {name: image0}\n",
    });
    expect(a.message).toBe(`Using file-based block-device config: file://${file}`);
    const b = selectBlockDeviceConfig({
      env: { DIB_BLOCK_DEVICE_CONFIG: "- x: {}" },
      elements: els,
      arch: "amd64",
    });
    expect(b).toMatchObject({
      origin: "env-text",
      text: "- x: {}",
      source: "DIB_BLOCK_DEVICE_CONFIG",
    });
  });

  it("names the missing file of DIB_BLOCK_DEVICE_CONFIG", () => {
    expect(() =>
      selectBlockDeviceConfig({
        env: { DIB_BLOCK_DEVICE_CONFIG: "file:///nope/x.yaml" },
        elements: [],
        arch: "amd64",
      }),
    ).toThrow("block-device config: DIB_BLOCK_DEVICE_CONFIG: cannot read '/nope/x.yaml' (ENOENT)");
  });

  it("takes the arch file over the default, and maps ppc64le to ppc64el", () => {
    const els = [
      element("base"),
      element("block-device-gpt", {
        "block-device-default.yaml": "default",
        "block-device-arm64.yaml": "arm",
        "block-device-ppc64el.yaml": "ppc",
      }),
    ];
    const pick = (arch: string) => selectBlockDeviceConfig({ env: {}, elements: els, arch });
    expect(pick("amd64")).toMatchObject({
      origin: "element",
      element: "block-device-gpt",
      text: "default",
    });
    expect(pick("arm64").text).toBe("arm");
    expect(pick("ppc64le").text).toBe("ppc");
    expect(pick("ppc64el").text).toBe("ppc");
    expect(pick("amd64").message).toBe(
      `Using block-device config: ${path.join(els[1]?.path as string, "block-device-default.yaml")}`,
    );
  });

  it("falls back to the default config and warns when several elements compete", () => {
    expect(
      selectBlockDeviceConfig({
        env: { DIB_BLOCK_DEVICE_CONFIG: "" },
        elements: [element("a")],
        arch: "amd64",
      }),
    ).toMatchObject({
      origin: "default",
      text: DEFAULT_BLOCK_DEVICE_CONFIG,
      message: "Using default block-device fallback config",
    });
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m) };
    const els = [
      element("one", { "block-device-default.yaml": "1" }),
      element("two", { "block-device-default.yaml": "2" }),
    ];
    expect(selectBlockDeviceConfig({ env: {}, elements: els, arch: "amd64", logger }).text).toBe(
      "1",
    );
    expect(warnings).toEqual([
      "several elements ship a block-device config (one, two); using 'one'",
    ]);
  });

  it("names the element whose config cannot be read", () => {
    const el = element("broken");
    fs.mkdirSync(path.join(el.path, "block-device-default.yaml"));
    expect(() => selectBlockDeviceConfig({ env: {}, elements: [el], arch: "amd64" })).toThrow(
      "block-device config: element 'broken': cannot read block-device-default.yaml (EISDIR)",
    );
  });
});
