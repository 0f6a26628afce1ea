import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AlreadyProvidedError, MissingElementError, MissingOSError } from "../errors.ts";
import type { Logger } from "@kiln/contracts/logger";
import { makeTempRoot, writeElements, type ElementSpec } from "../testing/element-tree.ts";
import { expandElements } from "./expand-elements.ts";
import { findElements } from "./find-elements.ts";

let cleanup = () => {};
afterEach(() => cleanup());

function expand(tree: Record<string, ElementSpec>, requested: string[], logger?: Logger) {
  const t = makeTempRoot();
  cleanup = t.cleanup;
  const root = writeElements(path.join(t.dir, "elements"), tree);
  const all = findElements({ elementsPath: root });
  return expandElements({ requested, elements: all, logger }).map((e) => e.name);
}

const os = { os: { provides: ["operating-system"] } };

describe("expandElements", () => {
  it("follows dependencies transitively, breadth-first, deps in byte order", () => {
    const tree = {
      ...os,
      top: { deps: ["zeta", "alpha", "os"] },
      alpha: { deps: ["leaf"] },
      zeta: { deps: ["leaf"] },
      leaf: {},
    };
    expect(expand(tree, ["top"])).toEqual(["top", "alpha", "os", "zeta", "leaf"]);
  });

  it("keeps request order first", () => {
    const tree = { ...os, b: {}, a: {} };
    expect(expand(tree, ["os", "b", "a"])).toEqual(["os", "b", "a"]);
  });

  it("is harmless with cycles", () => {
    const tree = { ...os, a: { deps: ["b"] }, b: { deps: ["a", "os"] } };
    expect(expand(tree, ["a"])).toEqual(["a", "b", "os"]);
  });

  it("leaves out provided (virtual) names", () => {
    const tree = {
      ...os,
      vm: { deps: ["block-device"] },
      "block-device-mbr": { provides: ["block-device"] },
    };
    expect(expand(tree, ["os", "vm", "block-device-mbr"])).toEqual(["os", "vm", "block-device-mbr"]);
  });

  it("walks dependencies in byte order where DIB depends on hash order", () => {
    // X deps {P, V}; P provides V; V (a real element) deps D. DIB gives {X,P} or
    // {X,P,D} depending on PYTHONHASHSEED; Kiln always takes the byte-order walk.
    const tree = {
      X: { deps: ["V", "P"], provides: ["operating-system"] },
      P: { provides: ["V"] },
      V: { deps: ["D"] },
      D: {},
    };
    expect(expand(tree, ["X"])).toEqual(["X", "P"]);
    const flipped = {
      X: { deps: ["A", "Z"], provides: ["operating-system"] },
      Z: { provides: ["A"] },
      A: { deps: ["D"] },
      D: {},
    };
    expect(expand(flipped, ["X"])).toEqual(["X", "Z", "D"]);
  });

  it("expands a provided real element reached before its provider, as DIB always does", () => {
    const tree = {
      X: { deps: ["V", "Q"], provides: ["operating-system"] },
      Q: { deps: ["P"] },
      P: { provides: ["V", "W"] },
      V: { deps: ["D"] },
      D: {},
    };
    expect(expand(tree, ["X"])).toEqual(["X", "Q", "P", "D"]);
  });

  it("raises a double provider where the walk meets it, before other checks", () => {
    const tree = {
      b: { deps: ["ghost"], provides: ["d", "operating-system"] },
      c: { provides: ["b", "d"] },
    };
    expect(() => expand(tree, ["b", "c"])).toThrow("d: already provided by ['b']");
  });

  it("reports a missing element with DIB's message", () => {
    expect(() => expand({ ...os }, ["os", "nope"])).toThrow(MissingElementError);
    expect(() => expand({ ...os }, ["os", "nope"])).toThrow("Element 'nope' not found");
    expect(() => expand({ ...os, a: { deps: ["gone"] } }, ["os", "a"])).toThrow(
      "Element 'gone' not found (required by 'a')",
    );
  });

  it("treats '#' lines as names, as DIB does", () => {
    expect(() => expand({ ...os, a: { deps: ["# comment"] } }, ["os", "a"])).toThrow(
      "Element '# comment' not found",
    );
  });

  it("refuses two providers of one name", () => {
    const tree = { ...os, other: { provides: ["operating-system"] } };
    expect(() => expand(tree, ["os", "other"])).toThrow(AlreadyProvidedError);
    expect(() => expand(tree, ["os", "other"])).toThrow(
      "operating-system: already provided by ['os']",
    );
  });

  it("refuses the same OS element requested twice, as DIB does", () => {
    expect(() => expand({ ...os }, ["os", "os"])).toThrow(
      "operating-system: already provided by ['os']",
    );
  });

  it("refuses a requested element that another element provides, and logs why", () => {
    const tree = { ...os, mbr: { provides: ["block-device"] }, "block-device": {} };
    const errors: string[] = [];
    const noop = () => {};
    const log: Logger = { debug: noop, info: noop, warn: noop, error: (m) => errors.push(m) };
    expect(() => expand(tree, ["os", "mbr", "block-device"], log)).toThrow(AlreadyProvidedError);
    expect(errors).toEqual([
      "The following elements are already provided by another element",
      "block-device : already provided by ['mbr']",
    ]);
  });

  it("requires an operating system", () => {
    expect(() => expand({ a: {} }, ["a"])).toThrow(MissingOSError);
    expect(() => expand({ a: {} }, ["a"])).toThrow("Please include an operating system element");
  });

  it("expands a 200-element tree", () => {
    const tree: Record<string, ElementSpec> = { ...os };
    for (let i = 0; i < 200; i++) tree[`e${i}`] = { deps: i ? [`e${i - 1}`, "os"] : ["os"] };
    const names = expand(tree, ["e199"]);
    expect(names).toHaveLength(201);
    expect(new Set(names).size).toBe(201);
  });
});
