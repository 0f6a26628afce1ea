/**
 * Which agents can run a build, and in words why none can right now. Pure
 * functions so the reasons are tested without a database.
 */

export interface TAgentSlot {
  id: string;
  name: string;
  arch: string;
  labels: Record<string, string>;
  /** ONLINE | OFFLINE | DRAINING */
  state: string;
  capacity: number;
  /** The agent's pool (absent: any build's pools admit it). */
  poolId?: string;
  /** ASSIGNED + RUNNING builds on it now. */
  active: number;
}

export interface TBuildNeeds {
  arch: string;
  labels: Record<string, string>;
  /** Pools the build's team may use (absent: every pool). */
  pools?: ReadonlySet<string>;
  /** Says, when no agent of those pools is online, which pools the build may use. */
  poolsWhy?: string;
}

/** The agent is in a pool the build may run on. */
export const inBuildPools = (agent: Pick<TAgentSlot, "poolId">, needs: TBuildNeeds): boolean =>
  !needs.pools || (agent.poolId !== undefined && needs.pools.has(agent.poolId));

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  aarch64: "arm64",
  ppc64el: "ppc64le",
};

/** DIB and agents name architectures both the Debian and the kernel way. */
export function normaliseArch(arch: string): string {
  return ARCH_ALIASES[arch] ?? arch;
}

/** Required `key=value` labels the agent lacks. */
export function missingLabels(agent: Pick<TAgentSlot, "labels">, needs: TBuildNeeds): string[] {
  return Object.entries(needs.labels)
    .filter(([k, v]) => agent.labels[k] !== v)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

export function agentFits(agent: TAgentSlot, needs: TBuildNeeds): boolean {
  return (
    inBuildPools(agent, needs) &&
    normaliseArch(agent.arch) === normaliseArch(needs.arch) &&
    missingLabels(agent, needs).length === 0
  );
}

/** Online agents that fit and have a free slot, least loaded first. */
export function candidateAgents(agents: TAgentSlot[], needs: TBuildNeeds): TAgentSlot[] {
  return agents
    .filter((a) => a.state === "ONLINE" && a.active < a.capacity && agentFits(a, needs))
    .sort((x, y) => x.active / x.capacity - y.active / y.capacity || (x.name < y.name ? -1 : 1));
}

/**
 * Why a build waits: the pools it may use have no agent, "no agent online", "no agent for arch arm64",
 * "agents a, b lack label zone=eu", "all matching agents busy (a: 1/1)".
 */
export function waitingReason(all: TAgentSlot[], needs: TBuildNeeds): string {
  // Agents of pools the build may not use are never named: they are other teams' hosts.
  const agents = all.filter((agent) => inBuildPools(agent, needs));
  const elsewhere = all.some((agent) => agent.state === "ONLINE");
  if (agents.length === 0 && needs.poolsWhy && (needs.pools?.size === 0 || elsewhere))
    return needs.poolsWhy;
  const online = agents.filter((a) => a.state === "ONLINE");
  if (online.length === 0) {
    const draining = agents
      .filter((a) => a.state === "DRAINING" && agentFits(a, needs))
      .map((a) => a.name);
    return draining.length
      ? `no agent online (draining: ${draining.join(", ")})`
      : "no agent online";
  }
  const arch = normaliseArch(needs.arch);
  const rightArch = online.filter((a) => normaliseArch(a.arch) === arch);
  if (rightArch.length === 0) return `no agent for arch ${needs.arch}`;
  const fitting = rightArch.filter((a) => missingLabels(a, needs).length === 0);
  if (fitting.length === 0) {
    // Group agents by what they lack so the message stays short with many agents.
    const groups = new Map<string, string[]>();
    for (const a of rightArch) {
      const key = missingLabels(a, needs).join(", ");
      groups.set(key, [...(groups.get(key) ?? []), a.name]);
    }
    return [...groups]
      .map(([labels, names]) => {
        const who =
          names.length > 5
            ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`
            : names.join(", ");
        const many = names.length > 1;
        const lbl = labels.includes(",") ? "labels" : "label";
        return `${many ? "agents" : "agent"} ${who} ${many ? "lack" : "lacks"} ${lbl} ${labels}`;
      })
      .join("; ");
  }
  const busy = fitting
    .sort((x, y) => (x.name < y.name ? -1 : 1))
    .slice(0, 5)
    .map((a) => `${a.name}: ${a.active}/${a.capacity}`);
  return `all matching agents busy (${busy.join(", ")}${fitting.length > 5 ? ", …" : ""})`;
}
