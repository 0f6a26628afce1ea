import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ElementFileError, ElementsPathUnsetError, InvalidElementDirError } from "../errors.ts";
import type { Logger } from "@kiln/contracts/logger";
import { makeTempRoot, writeElements } from "../testing/element-tree.ts";
import { isNotRoot, skipNote } from "../testing/host-capabilities.ts";
import { findElements } from "./find-elements.ts";

function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (m) => warnings.push(m) };
}

describe("findElements", () => {
  let cleanup = () => {};
  afterEach(() => cleanup());
  const tmp = () => {
    const t = makeTempRoot();
    cleanup = t.cleanup;
    return t.dir;
  };

  it("names elements after their directories and gives real paths", () => {
    const root = writeElements(path.join(tmp(), "a"), { foo: {}, bar: {} });
    const found = findElements({ elementsPath: root });
    expect([...found.keys()].sort()).toEqual(["bar", "foo"]);
    expect(found.get("foo")).toEqual({ name: "foo", path: path.join(root, "foo") });
  });

  it("lets the earliest path entry win and logs the shadowed copy", () => {
    const dir = tmp();
    const first = writeElements(path.join(dir, "first"), { foo: {} });
    const second = writeElements(path.join(dir, "second"), { foo: {}, other: {} });
    const log = recorder();
    const found = findElements({ elementsPath: `${first}:${second}`, logger: log });
    expect(found.get("foo")?.path).toBe(path.join(first, "foo"));
    expect(found.get("other")?.path).toBe(path.join(second, "other"));
    expect(log.warnings).toEqual([
      `Element ${path.join(first, "foo")} overrides ${path.join(second, "foo")}`,
    ]);
  });

  it("accepts the path as a list", () => {
    const dir = tmp();
    const a = writeElements(path.join(dir, "a"), { x: {} });
    const b = writeElements(path.join(dir, "b"), { y: {} });
    expect([...findElements({ elementsPath: [a, b] }).keys()].sort()).toEqual(["x", "y"]);
  });

  it("names a symlinked element after its target", () => {
    const dir = tmp();
    const real = writeElements(path.join(dir, "real"), { target: {} });
    const links = path.join(dir, "links");
    fs.mkdirSync(links);
    fs.symlinkSync(path.join(real, "target"), path.join(links, "alias"));
    const found = findElements({ elementsPath: links });
    expect([...found.keys()]).toEqual(["target"]);
    expect(found.get("target")?.path).toBe(path.join(real, "target"));
  });

  it("ignores plain files and dot-directories", () => {
    const root = writeElements(path.join(tmp(), "a"), { foo: {} });
    fs.writeFileSync(path.join(root, "README"), "x");
    fs.mkdirSync(path.join(root, ".git"));
    expect([...findElements({ elementsPath: root }).keys()]).toEqual(["foo"]);
  });

  it("rejects an entry that is not a directory, naming it", () => {
    const dir = tmp();
    const file = path.join(dir, "file");
    fs.writeFileSync(file, "");
    expect(() => findElements({ elementsPath: file })).toThrow(InvalidElementDirError);
    expect(() => findElements({ elementsPath: `${dir}:/no/such/dir` })).toThrow(
      "ELEMENTS_PATH entry '/no/such/dir' is not a directory",
    );
    expect(() => findElements({ elementsPath: `${dir}::${dir}` })).toThrow(
      "ELEMENTS_PATH entry '' is not a directory",
    );
  });

  it("requires a path", () => {
    expect(() => findElements({ elementsPath: "" })).toThrow(ElementsPathUnsetError);
    expect(() => findElements({ elementsPath: [] })).toThrow("$ELEMENTS_PATH must be set.");
  });

  it("refuses a non-UTF-8 element directory name, naming it", () => {
    const dir = tmp();
    const bad = Buffer.concat([Buffer.from(path.join(dir, "bad-")), Buffer.from([0xff, 0xfe])]);
    fs.mkdirSync(bad);
    expect(() => findElements({ elementsPath: dir })).toThrow(ElementFileError);
    expect(() => findElements({ elementsPath: dir })).toThrow(/bad-\\xff\\xfe: file name is not valid UTF-8/);
  });

  it.skipIf(isNotRoot())(`names an unreadable entry${skipNote(isNotRoot())}`, () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o000);
    try {
      expect(() => findElements({ elementsPath: dir })).toThrow(/cannot read directory \(EACCES\)/);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});
