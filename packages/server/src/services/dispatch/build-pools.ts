/**
 * The agent pools one queued build may run on: those its team may use, and
 * only the team's own when the build carries secrets and its recipe does not
 * allow shared pools (a shared pool's hosts also run other teams' hooks as root).
 */
import { z } from "zod";
import { parseStoredJson } from "../stored-json.ts";
import type { ServerDeps } from "../../context.ts";
import { agentPoolId, loadPoolRules, usablePoolIds, type TPoolRule } from "../pools/pool-access.ts";

/** What the pool rule reads of `Build.request`: whether any variable is a secret. */
const ZStoredSecrets = z.object({
  env: z.array(z.object({ secret: z.boolean().default(false) })).default([]),
});

export interface TTenancyBuild {
  id: string;
  teamId: string | null;
  request: string;
  recipe: { allowSharedPools: boolean } | null;
}

export interface TBuildPools {
  pools: Set<string>;
  /** Why the build waits when none of `pools` has an agent. */
  poolsWhy: string;
}

export function buildPools(rules: TPoolRule[], build: TTenancyBuild): TBuildPools {
  const stored = parseStoredJson(ZStoredSecrets, build.request, `Build.request of ${build.id}`);
  const hasSecrets = stored.env.some((entry) => entry.secret);
  const ownOnly = hasSecrets && !build.recipe?.allowSharedPools;
  const pools = usablePoolIds(rules, build.teamId, ownOnly);
  const names = rules.filter((rule) => pools.has(rule.id)).map((rule) => rule.name);
  const secretsRule = "its recipe has secrets, so it runs only on its team's own pools";
  const poolsWhy =
    names.length === 0
      ? ownOnly
        ? `no agent pool of its team (${secretsRule}, unless the recipe allows shared pools)`
        : "no agent pool its team may use"
      : `no agent in the pools it may use (${names.join(", ")})${ownOnly ? `: ${secretsRule}` : ""}`;
  return { pools, poolsWhy };
}

/**
 * Checked again at hand-over, before any secret is decrypted: the agent's
 * pool may have changed since dispatch.
 */
export async function agentMayRunBuild(
  deps: ServerDeps,
  agentId: string,
  build: TTenancyBuild,
): Promise<boolean> {
  const agent = await deps.db.prisma.agent.findUnique({
    where: { id: agentId },
    select: { poolId: true },
  });
  if (!agent) return false;
  return buildPools(await loadPoolRules(deps), build).pools.has(agentPoolId(agent));
}
