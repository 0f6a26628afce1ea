import { describe, expect, it } from "vitest";
import { agentSlot as agent } from "../../testing/agent-slot.ts";
import { candidateAgents, waitingReason } from "./match-agents.ts";

describe("waitingReason", () => {
  const needs = { arch: "amd64", labels: { zone: "eu" } };
  it("says when no agent is online", () => {
    expect(waitingReason([], needs)).toBe("no agent online");
    expect(waitingReason([agent("a", { state: "OFFLINE", labels: { zone: "eu" } })], needs)).toBe(
      "no agent online",
    );
    expect(waitingReason([agent("d", { state: "DRAINING", labels: { zone: "eu" } })], needs)).toBe(
      "no agent online (draining: d)",
    );
  });
  it("names the missing arch, then the missing labels per agent", () => {
    expect(waitingReason([agent("a")], { arch: "arm64", labels: {} })).toBe(
      "no agent for arch arm64",
    );
    expect(waitingReason([agent("x", { arch: "x86_64", labels: { zone: "eu" } })], needs)).toMatch(
      /^all matching/,
    );
    expect(
      waitingReason([agent("a"), agent("b"), agent("c", { labels: { zone: "us" } })], needs),
    ).toBe("agents a, b, c lack label zone=eu");
    expect(
      waitingReason([agent("a"), agent("b", { labels: { zone: "eu" } })], {
        arch: "amd64",
        labels: { zone: "eu", gpu: "1" },
      }),
    ).toBe("agent a lacks labels gpu=1, zone=eu; agent b lacks label gpu=1");
  });
  it("reports busy matching agents with their load", () => {
    expect(
      waitingReason(
        [
          agent("b", { labels: { zone: "eu" }, active: 2, capacity: 2 }),
          agent("a", { labels: { zone: "eu" }, active: 1 }),
        ],
        needs,
      ),
    ).toBe("all matching agents busy (a: 1/1, b: 2/2)");
  });
});

describe("candidateAgents", () => {
  it("keeps online, fitting agents with room, least loaded first", () => {
    const list = candidateAgents(
      [
        agent("full", { active: 1 }),
        agent("half", { capacity: 2, active: 1 }),
        agent("idle", { capacity: 4 }),
        agent("arm", { arch: "arm64" }),
        agent("drain", { state: "DRAINING" }),
      ],
      { arch: "amd64", labels: {} },
    );
    expect(list.map((a) => a.name)).toEqual(["idle", "half"]);
  });
});
