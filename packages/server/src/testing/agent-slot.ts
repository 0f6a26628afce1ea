/** Agents as dispatch sees them, for the matching and pool tests. Not a test file itself. */
import type { TAgentSlot } from "../services/dispatch/match-agents.ts";

/** An online amd64 agent without labels, one slot, nothing running, unless `overrides` say otherwise. */
export function agentSlot(name: string, overrides: Partial<TAgentSlot> = {}): TAgentSlot {
  return {
    id: name,
    name,
    arch: "amd64",
    labels: {},
    state: "ONLINE",
    capacity: 1,
    active: 0,
    ...overrides,
  };
}
