import type { Actor, ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { visibleBuildsWhere } from "../builds/build-access.ts";
import { parseStoredJson, storedLabels, ZJsonObject } from "../stored-json.ts";
import { agentPoolId, loadPoolRules, poolsVisibleTo } from "../pools/pool-access.ts";

export interface TAgentListItem {
  id: string;
  name: string;
  state: string;
  /** Drained by an administrator (kept while OFFLINE: it returns DRAINING). */
  draining: boolean;
  arch: string;
  version: string;
  /** The agent's pool; null when the caller may not use it. */
  pool: { id: string; name: string } | null;
  /**
   * Labels and host facts are shown to administrators and to the teams that
   * may use the agent's pool; to anyone else they are empty and this is false.
   */
  details: boolean;
  labels: Record<string, string>;
  capacity: number;
  lastSeenAt: Date | null;
  revoked: boolean;
  hostFacts: Record<string, unknown>;
  /** Active builds; ones the caller may not see are counted, not named. */
  builds: { id: string; number: number; status: string }[];
  hiddenBuilds: number;
}

/**
 * Every agent with its current builds (any signed-in user sees that an agent
 * exists and its state; its pool, labels and host facts only as `details` says).
 */
export async function listAgents(deps: ServerDeps, actor: Actor): Promise<TAgentListItem[]> {
  const p = deps.db.prisma;
  const agents = await p.agent.findMany({ orderBy: { name: "asc" } });
  const pools = await loadPoolRules(deps);
  const detailed = await poolsVisibleTo(deps, actor, pools);
  const active = await p.build.findMany({
    where: { status: { in: ACTIVE_STATUSES }, agentId: { not: null } },
    select: { id: true, number: true, status: true, agentId: true },
    orderBy: { queuedAt: "asc" },
  });
  const visible = new Set(
    (
      await p.build.findMany({
        where: {
          AND: [{ id: { in: active.map((b) => b.id) } }, await visibleBuildsWhere(deps, actor)],
        },
        select: { id: true },
      })
    ).map((b) => b.id),
  );
  return agents.map((a) => {
    const mine = active.filter((b) => b.agentId === a.id);
    const poolId = agentPoolId(a);
    const details = detailed.has(poolId);
    const pool = pools.find((rule) => rule.id === poolId);
    return {
      id: a.id,
      name: a.name,
      state: a.state,
      draining: a.draining,
      arch: a.arch,
      version: a.version,
      pool: details && pool ? { id: pool.id, name: pool.name } : null,
      details,
      labels: details ? storedLabels(a, "Agent") : {},
      capacity: a.capacity,
      lastSeenAt: a.lastSeenAt,
      revoked: a.revokedAt !== null,
      hostFacts: details
        ? parseStoredJson(ZJsonObject, a.hostFacts, `Agent.hostFacts of ${a.id}`)
        : {},
      builds: mine
        .filter((b) => visible.has(b.id))
        .map(({ id, number, status }) => ({ id, number, status })),
      hiddenBuilds: mine.filter((b) => !visible.has(b.id)).length,
    };
  });
}
