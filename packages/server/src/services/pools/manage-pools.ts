/**
 * Agent pools: administrators create shared pools and open them to named
 * teams (or every team); a team's owners create and delete their team's own
 * pools. Which pool an agent is in is an administrator's choice
 * (set-agent-pool.ts) or its registration token's.
 */
import { z } from "zod";
import { isUniqueViolation } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, readableTeamIds, requireTeamRole } from "../access.ts";
import { ZResourceName } from "../resource-name.ts";
import { DEFAULT_POOL_ID, loadPoolRules, teamMayUse } from "./pool-access.ts";

export const ZCreatePoolInput = z.object({
  name: ZResourceName,
  /** Owning team; absent: a shared pool (administrators only). */
  teamId: z.string().min(1).optional(),
  /** A shared pool every team may use. */
  sharedWithAll: z.boolean().default(false),
  description: z.string().max(500).default(""),
});

export interface TPoolView {
  id: string;
  name: string;
  description: string;
  /** Owning team, or null for a shared pool. */
  team: { id: string; slug: string } | null;
  sharedWithAll: boolean;
  /** Teams a shared pool is opened to (only those the caller may read, unless admin). */
  sharedWith: { id: string; slug: string }[];
  agentCount: number;
}

const forbidden = () => new AppError("FORBIDDEN", "only administrators manage shared agent pools");

export async function createPool(
  deps: ServerDeps,
  actor: Actor,
  raw: z.input<typeof ZCreatePoolInput>,
): Promise<{ id: string }> {
  const parsed = ZCreatePoolInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("INVALID_INPUT", issue?.message ?? "invalid input", String(issue?.path[0]));
  }
  const input = parsed.data;
  if (input.teamId) await requireTeamRole(deps, actor, input.teamId, "owner");
  else if (actor.role !== "admin") throw forbidden();
  try {
    const pool = await deps.db.prisma.agentPool.create({
      data: {
        name: input.name,
        teamId: input.teamId ?? null,
        sharedWithAll: input.teamId ? false : input.sharedWithAll,
        description: input.description,
        createdAt: deps.now(),
      },
    });
    await audit(deps, actor, "pool.create", `pool:${pool.id}`, {
      name: pool.name,
      teamId: pool.teamId,
      sharedWithAll: pool.sharedWithAll,
    });
    return { id: pool.id };
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError("CONFLICT", `an agent pool named '${input.name}' exists`, "name");
    throw err;
  }
}

/** Opens a shared pool to a team, or closes it (`shared: false`). Administrators only. */
export async function sharePool(
  deps: ServerDeps,
  actor: Actor,
  input: { poolId: string; teamId: string; shared: boolean },
): Promise<void> {
  if (actor.role !== "admin") throw forbidden();
  const pool = await findPool(deps, input.poolId);
  if (pool.teamId) throw new AppError("CONFLICT", `pool ${pool.name} belongs to a team`);
  const prisma = deps.db.prisma;
  if (!(await prisma.team.findUnique({ where: { id: input.teamId } })))
    throw new AppError("NOT_FOUND", "team not found", "teamId");
  const key = { poolId: pool.id, teamId: input.teamId };
  if (input.shared) {
    await prisma.agentPoolShare.upsert({ where: { poolId_teamId: key }, create: key, update: {} });
  } else await prisma.agentPoolShare.deleteMany({ where: key });
  await audit(deps, actor, input.shared ? "pool.share" : "pool.unshare", `pool:${pool.id}`, key);
}

/** Whether every team may use a shared pool. Administrators only. */
export async function setPoolSharedWithAll(
  deps: ServerDeps,
  actor: Actor,
  input: { poolId: string; sharedWithAll: boolean },
): Promise<void> {
  if (actor.role !== "admin") throw forbidden();
  const pool = await findPool(deps, input.poolId);
  if (pool.teamId) throw new AppError("CONFLICT", `pool ${pool.name} belongs to a team`);
  await deps.db.prisma.agentPool.update({
    where: { id: pool.id },
    data: { sharedWithAll: input.sharedWithAll },
  });
  await audit(deps, actor, "pool.shareAll", `pool:${pool.id}`, input);
}

/** Deletes an empty pool (not the default one): the team's owners, or administrators. */
export async function deletePool(deps: ServerDeps, actor: Actor, poolId: string): Promise<void> {
  const pool = await findPool(deps, poolId);
  if (pool.teamId) await requireTeamRole(deps, actor, pool.teamId, "owner", "agent pool");
  else if (actor.role !== "admin") throw forbidden();
  if (pool.id === DEFAULT_POOL_ID)
    throw new AppError("CONFLICT", "the default pool cannot be deleted");
  // Refused rather than emptied: its agents would otherwise land in another pool.
  const agents = await deps.db.prisma.agent.count({ where: { poolId: pool.id, revokedAt: null } });
  if (agents) throw new AppError("CONFLICT", `pool ${pool.name} still has ${agents} agent(s)`);
  await deps.db.prisma.agentPool.delete({ where: { id: pool.id } });
  await audit(deps, actor, "pool.delete", `pool:${pool.id}`, { name: pool.name });
}

/** The pools the actor's teams may use (administrators: all), with their agents counted. */
export async function listPools(deps: ServerDeps, actor: Actor): Promise<TPoolView[]> {
  const teams = await readableTeamIds(deps, actor);
  const rules = await loadPoolRules(deps);
  const visible = rules.filter(
    (rule) => teams === "all" || teams.some((teamId) => teamMayUse(rule, teamId)),
  );
  const prisma = deps.db.prisma;
  const [slugs, counts] = await Promise.all([
    prisma.team.findMany({ select: { id: true, slug: true } }),
    prisma.agent.groupBy({ by: ["poolId"], where: { revokedAt: null }, _count: { _all: true } }),
  ]);
  const slugOf = new Map(slugs.map((team) => [team.id, team.slug]));
  const teamRef = (id: string) => ({ id, slug: slugOf.get(id) ?? id });
  const countOf = (poolId: string | null) =>
    counts.find((count) => count.poolId === poolId)?._count._all ?? 0;
  return visible.map((rule) => ({
    id: rule.id,
    name: rule.name,
    description: rule.description,
    team: rule.teamId ? teamRef(rule.teamId) : null,
    sharedWithAll: rule.sharedWithAll,
    sharedWith: rule.sharedWith
      .filter((teamId) => teams === "all" || teams.includes(teamId))
      .map(teamRef),
    // Agents made before pools existed (no pool recorded) are the default pool's.
    agentCount: countOf(rule.id) + (rule.id === DEFAULT_POOL_ID ? countOf(null) : 0),
  }));
}

async function findPool(deps: ServerDeps, poolId: string) {
  const pool = await deps.db.prisma.agentPool.findUnique({ where: { id: poolId } });
  if (!pool) throw new AppError("NOT_FOUND", "agent pool not found", "poolId");
  return pool;
}
