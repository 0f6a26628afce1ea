import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../app-error.ts";
import { parseStoredJson, ZLabels, ZStringList } from "./stored-json.ts";

describe("parseStoredJson", () => {
  it("returns the checked value", () => {
    expect(parseStoredJson(ZStringList, '["base","vm"]', "RecipeVersion.elements of v1")).toEqual([
      "base",
      "vm",
    ]);
    expect(parseStoredJson(ZLabels, '{"gpu":"yes"}', "Agent.labels of a1")).toEqual({ gpu: "yes" });
  });

  it("reads a NULL or empty column as the schema's default, and refuses one without", () => {
    const timings = z.record(z.string(), z.number()).default({});
    expect(parseStoredJson(timings, null, "Build.phaseTimings of b1")).toEqual({});
    expect(parseStoredJson(timings, "", "Build.phaseTimings of b1")).toEqual({});
    expect(() => parseStoredJson(ZStringList, null, "CatalogElement.deps of e1")).toThrow(
      /^stored CatalogElement.deps of e1 is invalid: /,
    );
  });

  it("fails loudly on a wrong shape, naming the column and the place", () => {
    const read = () => parseStoredJson(ZLabels, '{"gpu":1}', "Agent.labels of a1");
    expect(read).toThrow(AppError);
    expect(read).toThrow("stored Agent.labels of a1 is invalid: at gpu: ");
    expect(() => parseStoredJson(ZStringList, '{"not":"a list"}', "Build.request of b1")).toThrow(
      /^stored Build.request of b1 is invalid: /,
    );
  });

  it("fails loudly on text that is not JSON", () => {
    expect(() => parseStoredJson(ZStringList, "[base", "RecipeVersion.elements of v1")).toThrow(
      /^stored RecipeVersion.elements of v1 is invalid: not JSON/,
    );
  });
});
