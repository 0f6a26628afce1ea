import { describe, expect, it } from "vitest";
import { applyBuildChange, buildListInput, NO_BUILD_FILTERS } from "./build-list-query.ts";

describe("buildListInput", () => {
  it("leaves unset filters out and asks for 50 builds a page", () => {
    expect(buildListInput(NO_BUILD_FILTERS)).toEqual({
      recipeId: undefined,
      status: undefined,
      agentId: undefined,
      requestedById: undefined,
      from: undefined,
      to: undefined,
      q: undefined,
      limit: 50,
    });
  });

  it("maps every filter, trims the search and makes the last day inclusive", () => {
    const input = buildListInput({
      q: "  #42 ",
      recipeId: "r1",
      status: ["QUEUED", "FAILED"],
      agentId: "a1",
      userId: "u1",
      from: "2026-03-01",
      to: "2026-03-02",
    });
    expect(input).toMatchObject({
      recipeId: "r1",
      status: ["QUEUED", "FAILED"],
      agentId: "a1",
      requestedById: "u1",
      q: "#42",
      limit: 50,
    });
    expect(input.from).toEqual(new Date(2026, 2, 1));
    // Up to the end of the "to" day: local midnight of the day after.
    expect(input.to).toEqual(new Date(2026, 2, 3));
  });

  it("sends no search for a blank one", () => {
    expect(buildListInput({ ...NO_BUILD_FILTERS, q: "   " }).q).toBeUndefined();
  });
});

describe("applyBuildChange", () => {
  const build = (id: string, status = "QUEUED") => ({
    id,
    number: Number(id.slice(1)),
    status,
    waitingReason: "no agent online" as string | null,
    deleted: false,
  });
  const pages = [
    { items: [build("b1"), build("b2")], nextCursor: "c" },
    { items: [build("b3")], nextCursor: null },
  ];

  it("patches the changed build's status, reason and deletion, wherever its page", () => {
    const change = { buildId: "b3", status: "RUNNING", waitingReason: null, deleted: true };
    const result = applyBuildChange(pages, change);
    expect(result.found).toBe(true);
    expect(result.pages[1]!.items[0]).toEqual({
      id: "b3",
      number: 3,
      status: "RUNNING",
      waitingReason: null,
      deleted: true,
    });
    expect(result.pages[0]).toEqual(pages[0]);
    expect(result.pages[1]!.nextCursor).toBeNull();
    // The cached pages themselves are left as they were.
    expect(pages[1]!.items[0]!.status).toBe("QUEUED");
  });

  it("says when the build is on no loaded page", () => {
    const change = { buildId: "b9", status: "RUNNING", waitingReason: null, deleted: false };
    const result = applyBuildChange(pages, change);
    expect(result.found).toBe(false);
    expect(result.pages).toEqual(pages);
  });
});
