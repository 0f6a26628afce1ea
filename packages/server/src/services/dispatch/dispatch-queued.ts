import type { ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { agentTopic } from "../builds/build-topics.ts";
import { publishStoredBuild } from "../builds/publish-build-change.ts";
import { ZStoredPlacement } from "../builds/stored-request.ts";
import { parseStoredJson, storedLabels } from "../stored-json.ts";
import { agentPoolId, loadPoolRules } from "../pools/pool-access.ts";
import { buildPools } from "./build-pools.ts";
import {
  candidateAgents,
  waitingReason,
  type TAgentSlot,
  type TBuildNeeds,
} from "./match-agents.ts";

export interface TDispatchOptions {
  /** Queued builds looked at per call, oldest first (default 500). */
  maxBuilds?: number;
}

export interface TDispatchResult {
  assigned: { buildId: string; agentId: string }[];
  /** Builds left queued, each with its stored waiting reason. */
  waiting: number;
}

type TAttempt = "assigned" | "taken" | "full";

/**
 * Assigns QUEUED builds, oldest first, to ONLINE agents of a pool the build's
 * team may use (build-pools.ts) whose arch and labels fit and that have a free slot; publishes `agent:<id>` `{type:"assign",
 * buildId}` for each. Safe with several dispatchers at once (two server
 * processes on PostgreSQL): a build moves out of QUEUED only through a
 * conditional update, and an agent's slots are counted under a lock on its
 * row, so no build is assigned twice and no agent goes over capacity. Builds
 * left queued get a `waitingReason`.
 */
export async function dispatchQueued(
  deps: ServerDeps,
  opts: TDispatchOptions = {},
): Promise<TDispatchResult> {
  const p = deps.db.prisma;
  const agents = await p.agent.findMany({
    where: { revokedAt: null, state: { in: ["ONLINE", "DRAINING"] } },
    select: {
      id: true,
      name: true,
      arch: true,
      labels: true,
      state: true,
      capacity: true,
      poolId: true,
    },
  });
  const counts = await p.build.groupBy({
    by: ["agentId"],
    where: { status: { in: ACTIVE_STATUSES }, agentId: { in: agents.map((a) => a.id) } },
    _count: { _all: true },
  });
  const active = new Map(counts.map((c) => [c.agentId, c._count._all]));
  const slots: TAgentSlot[] = agents.map((a) => ({
    ...a,
    labels: storedLabels(a, "Agent"),
    poolId: agentPoolId(a),
    active: active.get(a.id) ?? 0,
  }));
  const poolRules = await loadPoolRules(deps);

  const queued = await p.build.findMany({
    where: { status: "QUEUED", deletedAt: null },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
    take: opts.maxBuilds ?? 500,
    select: {
      id: true,
      request: true,
      waitingReason: true,
      teamId: true,
      recipe: { select: { allowSharedPools: true } },
    },
  });
  const result: TDispatchResult = { assigned: [], waiting: 0 };
  for (const build of queued) {
    const req = parseStoredJson(
      ZStoredPlacement,
      build.request,
      `Build.request of build ${build.id}`,
    );
    const needs: TBuildNeeds = {
      arch: req.arch,
      labels: req.agentLabels,
      ...buildPools(poolRules, build),
    };
    let outcome: TAttempt | "none" = "none";
    for (const agent of candidateAgents(slots, needs)) {
      outcome = await attempt(deps, build.id, agent);
      if (outcome === "assigned") {
        agent.active++;
        result.assigned.push({ buildId: build.id, agentId: agent.id });
        deps.bus.publish(agentTopic(agent.id), {
          type: "assign",
          buildId: build.id,
        });
        await publishStoredBuild(deps, build.id);
        break;
      }
      if (outcome === "taken") break;
      agent.active = agent.capacity; // another dispatcher filled it meanwhile
    }
    if (outcome === "assigned" || outcome === "taken") continue;
    result.waiting++;
    const reason = waitingReason(slots, needs);
    if (reason !== build.waitingReason) {
      const r = await p.build.updateMany({
        where: { id: build.id, status: "QUEUED" },
        data: { waitingReason: reason },
      });
      if (r.count) await publishStoredBuild(deps, build.id);
    }
  }
  return result;
}

class AgentFull extends Error {}

/** One atomic try at putting a build on an agent. */
async function attempt(deps: ServerDeps, buildId: string, agent: TAgentSlot): Promise<TAttempt> {
  const p = deps.db.prisma;
  const assign = {
    status: "ASSIGNED",
    agentId: agent.id,
    assignedAt: deps.now(),
    waitingReason: null,
  };
  try {
    if (deps.db.provider === "postgresql") {
      return await p.$transaction(async (tx) => {
        // The agent row lock serialises slot counting across dispatchers; the
        // build row is claimed without waiting so dispatchers never queue up
        // behind each other on the same build.
        const locked = await tx.$queryRaw<{ state: string; capacity: number }[]>`
          SELECT "state", "capacity" FROM "Agent" WHERE "id" = ${agent.id} AND "revokedAt" IS NULL FOR UPDATE`;
        const row = locked[0];
        if (!row || row.state !== "ONLINE") return "full";
        const claimed = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Build" WHERE "id" = ${buildId} AND "status" = 'QUEUED' FOR UPDATE SKIP LOCKED`;
        if (claimed.length === 0) return "taken";
        const busy = await tx.build.count({
          where: { agentId: agent.id, status: { in: ACTIVE_STATUSES } },
        });
        if (busy >= row.capacity) return "full";
        const r = await tx.build.updateMany({
          where: { id: buildId, status: "QUEUED" },
          data: assign,
        });
        return r.count === 1 ? "assigned" : "taken";
      });
    }
    // SQLite: the first write takes the database's write lock, so writing
    // first and counting after is atomic; over capacity rolls it back.
    return await p.$transaction(async (tx) => {
      const r = await tx.build.updateMany({
        where: { id: buildId, status: "QUEUED" },
        data: assign,
      });
      if (r.count !== 1) return "taken";
      const a = await tx.agent.findUnique({
        where: { id: agent.id },
        select: { state: true, capacity: true, revokedAt: true },
      });
      const busy = await tx.build.count({
        where: { agentId: agent.id, status: { in: ACTIVE_STATUSES } },
      });
      if (!a || a.state !== "ONLINE" || a.revokedAt || busy > a.capacity) throw new AgentFull();
      return "assigned";
    });
  } catch (err) {
    if (err instanceof AgentFull) return "full";
    // A lock timeout or busy database: leave the build queued for the next round.
    deps.logger.warn("dispatch attempt failed", { buildId, agentId: agent.id, error: String(err) });
    return "taken";
  }
}
