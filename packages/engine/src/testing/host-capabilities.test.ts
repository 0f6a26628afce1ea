import { describe, expect, it } from "vitest";
import {
  firstReason,
  hasTool,
  hasTools,
  isNotRoot,
  isRoot,
  skipNote,
} from "./host-capabilities.ts";

describe("host capabilities", () => {
  it("finds a tool every host has and names a missing one with its package when known", () => {
    expect(hasTool("sh")).toBeNull();
    expect(hasTool("kiln-no-such-tool")).toBe("missing tool: kiln-no-such-tool");
    expect(hasTools("sh", "kiln-no-such-tool", "other")).toBe("missing tool: kiln-no-such-tool");
  });

  it("gives root and not-root as opposites", () => {
    expect([isRoot(), isNotRoot()].filter((reason) => reason === null)).toHaveLength(1);
    expect(isRoot() === null).toBe(process.getuid?.() === 0);
  });

  it("takes the first reason, and prints one in a title only when skipped", () => {
    expect(firstReason(null, "b", "c")).toBe("b");
    expect(firstReason(null, null)).toBeNull();
    expect(`title${skipNote(null)}`).toBe("title");
    expect(`title${skipNote("needs root")}`).toBe("title (skipped: needs root)");
  });
});
