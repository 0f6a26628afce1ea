/**
 * Which agent pools a team's builds may run on. A pool is owned by one team
 * (`teamId`), or shared by an administrator with named teams
 * (`AgentPoolShare`) or with every team (`sharedWithAll`, the default pool).
 */
import type { Actor, ServerDeps } from "../../context.ts";
import { readableTeamIds } from "../access.ts";

/** The pool the dashboard's local agent and agents of tokens without a pool join. */
export const DEFAULT_POOL_ID = "default";

export interface TPoolRule {
  id: string;
  name: string;
  description: string;
  /** Owning team; null for a shared pool. */
  teamId: string | null;
  sharedWithAll: boolean;
  /** Teams a shared pool is opened to. */
  sharedWith: string[];
}

/** An agent's pool; agents created before pools existed count as the default pool's. */
export const agentPoolId = (agent: { poolId: string | null }) => agent.poolId ?? DEFAULT_POOL_ID;

/** Every pool with the teams it serves, for one dispatch round or listing. */
export async function loadPoolRules(deps: ServerDeps): Promise<TPoolRule[]> {
  const rows = await deps.db.prisma.agentPool.findMany({
    select: {
      id: true,
      name: true,
      description: true,
      teamId: true,
      sharedWithAll: true,
      shares: { select: { teamId: true } },
    },
    orderBy: { name: "asc" },
  });
  return rows.map(({ shares, ...pool }) => ({
    ...pool,
    sharedWith: shares.map((share) => share.teamId),
  }));
}

/** Whether builds of `teamId` (null: a build of no team) may use the pool. */
export function teamMayUse(pool: TPoolRule, teamId: string | null, ownOnly = false): boolean {
  if (pool.teamId !== null) return pool.teamId === teamId;
  if (ownOnly) return false;
  return pool.sharedWithAll || (teamId !== null && pool.sharedWith.includes(teamId));
}

/** Ids of the pools a build of `teamId` may run on; `ownOnly` keeps the team's own pools. */
export function usablePoolIds(
  pools: TPoolRule[],
  teamId: string | null,
  ownOnly = false,
): Set<string> {
  return new Set(pools.filter((pool) => teamMayUse(pool, teamId, ownOnly)).map((pool) => pool.id));
}

/**
 * Ids of the pools whose agents' details the actor may see: every pool for
 * administrators, else the pools one of the actor's teams may use.
 */
export async function poolsVisibleTo(
  deps: ServerDeps,
  actor: Actor,
  pools: TPoolRule[],
): Promise<Set<string>> {
  const teams = await readableTeamIds(deps, actor);
  if (teams === "all") return new Set(pools.map((pool) => pool.id));
  return new Set(
    pools.filter((pool) => teams.some((teamId) => teamMayUse(pool, teamId))).map((p) => p.id),
  );
}
