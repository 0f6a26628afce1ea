import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { ZAgentLabels } from "../builds/stored-request.ts";
import { requestDispatch } from "../dispatch/request-dispatch.ts";

/**
 * An administrator's edit of an agent's routing: its pool and its labels,
 * which only the server sets (the agent's HELLO never does). Builds it
 * already holds keep running; new ones follow the new pool.
 */
export async function updateAgentRouting(
  deps: ServerDeps,
  actor: Actor,
  input: { agentId: string; poolId?: string; labels?: Record<string, string> },
): Promise<void> {
  if (actor.role !== "admin")
    throw new AppError("FORBIDDEN", "only administrators change an agent's pool or labels");
  const prisma = deps.db.prisma;
  const agent = await prisma.agent.findUnique({ where: { id: input.agentId } });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${input.agentId} not found`, "agentId");
  const data: { poolId?: string; labels?: string } = {};
  if (input.poolId !== undefined) {
    const pool = await prisma.agentPool.findUnique({ where: { id: input.poolId } });
    if (!pool) throw new AppError("NOT_FOUND", "agent pool not found", "poolId");
    data.poolId = pool.id;
  }
  if (input.labels !== undefined) {
    const labels = ZAgentLabels.safeParse(input.labels);
    if (!labels.success) throw new AppError("INVALID_INPUT", "labels: key=value strings", "labels");
    data.labels = JSON.stringify(labels.data);
  }
  await prisma.agent.update({ where: { id: agent.id }, data });
  await audit(deps, actor, "agent.routing", `agent:${agent.id}`, {
    name: agent.name,
    from: { poolId: agent.poolId, labels: agent.labels },
    to: data,
  });
  void requestDispatch(deps);
}
