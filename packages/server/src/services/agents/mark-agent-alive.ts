import type { ServerDeps } from "../../context.ts";

/**
 * A sign of life from an agent's live socket (its heartbeat). An agent that
 * markAgentsOffline took OFFLINE while its socket stayed up (it stalled, or
 * the server fell behind, for over three heartbeats) is ONLINE again, or
 * DRAINING if an administrator drained it; a revoked agent stays as it is.
 * Returns true when the agent came back, so the caller can dispatch to it.
 */
export async function markAgentAlive(deps: ServerDeps, agentId: string): Promise<boolean> {
  const p = deps.db.prisma;
  const row = await p.agent.update({
    where: { id: agentId },
    data: { lastSeenAt: deps.now() },
    select: { state: true, draining: true, revokedAt: true },
  });
  if (row.state !== "OFFLINE" || row.revokedAt) return false;
  const { count } = await p.agent.updateMany({
    where: { id: agentId, state: "OFFLINE", revokedAt: null },
    data: { state: row.draining ? "DRAINING" : "ONLINE" },
  });
  if (count > 0) deps.logger.info("agent answering again after being marked offline", { agentId });
  return count > 0;
}
