import { describe, expect, it } from "vitest";
import type { TPoolRule } from "../pools/pool-access.ts";
import { agentSlot } from "../../testing/agent-slot.ts";
import { buildPools } from "./build-pools.ts";
import { candidateAgents, waitingReason, type TAgentSlot } from "./match-agents.ts";

const pool = (id: string, o: Partial<TPoolRule> = {}): TPoolRule => ({
  id,
  name: id,
  description: "",
  teamId: null,
  sharedWithAll: false,
  sharedWith: [],
  ...o,
});
const RULES = [
  pool("default", { sharedWithAll: true }),
  pool("red-own", { teamId: "red" }),
  pool("blue-own", { teamId: "blue" }),
  pool("shared-red", { sharedWith: ["red"] }),
];
const agent = (name: string, poolId: string): TAgentSlot => agentSlot(name, { poolId });
const request = (secret: boolean) =>
  JSON.stringify({
    arch: "amd64",
    env: [{ name: "X", secret, ...(secret ? {} : { value: "1" }) }],
  });

describe("buildPools", () => {
  it("gives a team its own pools, those shared with it and those shared with all", () => {
    const { pools } = buildPools(RULES, {
      id: "b1",
      teamId: "red",
      request: request(false),
      recipe: null,
    });
    expect([...pools].sort()).toEqual(["default", "red-own", "shared-red"]);
    const none = buildPools(RULES, { id: "b2", teamId: null, request: "{}", recipe: null });
    expect([...none.pools]).toEqual(["default"]);
  });

  it("keeps builds with secrets on the team's own pools unless the recipe allows shared", () => {
    const strict = buildPools(RULES, {
      id: "b3",
      teamId: "red",
      request: request(true),
      recipe: { allowSharedPools: false },
    });
    expect([...strict.pools]).toEqual(["red-own"]);
    expect(strict.poolsWhy).toBe(
      "no agent in the pools it may use (red-own): its recipe has secrets, so it runs only on its team's own pools",
    );
    const allowed = buildPools(RULES, {
      id: "b4",
      teamId: "red",
      request: request(true),
      recipe: { allowSharedPools: true },
    });
    expect(allowed.pools.size).toBe(3);
    const ownless = buildPools(RULES.slice(0, 1), {
      id: "b5",
      teamId: "red",
      request: request(true),
      recipe: null,
    });
    expect(ownless.pools.size).toBe(0);
    expect(ownless.poolsWhy).toMatch(/^no agent pool of its team/);
  });

  it("never offers or names another team's agents", () => {
    const needs = {
      arch: "amd64",
      labels: {},
      ...buildPools(RULES, { id: "b6", teamId: "red", request: "{}", recipe: null }),
    };
    const agents = [agent("blue-box", "blue-own")];
    expect(candidateAgents(agents, needs)).toEqual([]);
    expect(waitingReason(agents, needs)).toBe(
      "no agent in the pools it may use (default, red-own, shared-red)",
    );
    expect(
      candidateAgents([...agents, agent("red-box", "red-own")], needs).map((a) => a.name),
    ).toEqual(["red-box"]);
  });
});
