import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { agentTopic } from "../builds/build-topics.ts";

/**
 * Drains an agent (it finishes what it runs, takes nothing new) or resumes it.
 * Administrators only (the router checks; agents are shared by all teams).
 */
export async function setAgentDraining(
  deps: ServerDeps,
  actor: Actor,
  input: { agentId: string; draining: boolean },
): Promise<{ state: string }> {
  const p = deps.db.prisma;
  const agent = await p.agent.findUnique({ where: { id: input.agentId } });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${input.agentId} not found`, "agentId");
  if (agent.revokedAt) throw new AppError("CONFLICT", `agent ${agent.name} is revoked`);
  // The flag is what lasts (HELLO reads it back after a reconnect or restart); the state of a
  // connected agent follows at once, an OFFLINE one takes it when it returns.
  await p.agent.update({ where: { id: agent.id }, data: { draining: input.draining } });
  const from = input.draining ? "ONLINE" : "DRAINING";
  const to = input.draining ? "DRAINING" : "ONLINE";
  await p.agent.updateMany({ where: { id: agent.id, state: from }, data: { state: to } });
  await audit(deps, actor, input.draining ? "agent.drain" : "agent.resume", `agent:${agent.id}`, {
    name: agent.name,
  });
  deps.bus.publish(agentTopic(agent.id), {
    type: input.draining ? "drain" : "resume",
  });
  const fresh = await p.agent.findUniqueOrThrow({
    where: { id: agent.id },
    select: { state: true },
  });
  return { state: fresh.state };
}
