import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { agentTopic } from "../builds/build-topics.ts";
import { loseBuild } from "../dispatch/lose-build.ts";

/**
 * Revokes an agent: its secret stops working (the gateway checks
 * `revokedAt`), it is told to disconnect, and its active builds are lost
 * (requeued once). Administrators only.
 */
export async function revokeAgent(
  deps: ServerDeps,
  actor: Actor,
  agentId: string,
): Promise<{ lostBuilds: number }> {
  const p = deps.db.prisma;
  const agent = await p.agent.findUnique({ where: { id: agentId } });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${agentId} not found`, "agentId");
  if (agent.revokedAt) return { lostBuilds: 0 };
  await p.agent.update({
    where: { id: agentId },
    data: { revokedAt: deps.now(), state: "OFFLINE" },
  });
  await audit(deps, actor, "agent.revoke", `agent:${agentId}`, { name: agent.name });
  deps.bus.publish(agentTopic(agentId), { type: "revoked" });
  const builds = await p.build.findMany({
    where: { agentId, status: { in: ACTIVE_STATUSES } },
    select: { id: true, agentId: true, requeueCount: true, cancelRequestedAt: true },
  });
  for (const b of builds) await loseBuild(deps, b, `agent ${agent.name} was revoked`);
  return { lostBuilds: builds.length };
}
