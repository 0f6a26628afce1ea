import type { Actor, ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { visibleBuildsWhere } from "../builds/build-access.ts";
import { parseStoredJson, storedLabels, ZJsonObject } from "../stored-json.ts";

export interface TAgentListItem {
  id: string;
  name: string;
  state: string;
  /** Drained by an administrator (kept while OFFLINE: it returns DRAINING). */
  draining: boolean;
  arch: string;
  version: string;
  labels: Record<string, string>;
  capacity: number;
  lastSeenAt: Date | null;
  revoked: boolean;
  hostFacts: Record<string, unknown>;
  /** Active builds; ones the caller may not see are counted, not named. */
  builds: { id: string; number: number; status: string }[];
  hiddenBuilds: number;
}

/** Every agent with its current builds (any signed-in user: agents are shared). */
export async function listAgents(deps: ServerDeps, actor: Actor): Promise<TAgentListItem[]> {
  const p = deps.db.prisma;
  const agents = await p.agent.findMany({ orderBy: { name: "asc" } });
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
    return {
      id: a.id,
      name: a.name,
      state: a.state,
      draining: a.draining,
      arch: a.arch,
      version: a.version,
      labels: storedLabels(a, "Agent"),
      capacity: a.capacity,
      lastSeenAt: a.lastSeenAt,
      revoked: a.revokedAt !== null,
      hostFacts: parseStoredJson(ZJsonObject, a.hostFacts, `Agent.hostFacts of ${a.id}`),
      builds: mine
        .filter((b) => visible.has(b.id))
        .map(({ id, number, status }) => ({ id, number, status })),
      hiddenBuilds: mine.filter((b) => !visible.has(b.id)).length,
    };
  });
}
