import { z } from "zod";
import { adminProcedure, authedProcedure, router } from "../trpc.ts";
import {
  createRegistrationToken,
  ZCreateRegistrationTokenInput,
} from "../services/agents/create-registration-token.ts";
import { setAgentDraining } from "../services/agents/drain-agent.ts";
import { listAgents } from "../services/agents/list-agents.ts";
import { getLocalAgentStatus } from "../services/agents/local-agent-status.ts";
import { revokeAgent } from "../services/agents/revoke-agent.ts";
import { updateAgentRouting } from "../services/agents/set-agent-pool.ts";
import { ZAgentLabels } from "../services/builds/stored-request.ts";

const ZAgentId = z.object({ agentId: z.string().min(1) });

export const agentsRouter = router({
  list: authedProcedure.query(({ ctx }) => listAgents(ctx.deps, ctx.actor)),
  localStatus: authedProcedure.query(({ ctx }) => getLocalAgentStatus(ctx.deps)),
  drain: adminProcedure
    .input(ZAgentId.extend({ draining: z.boolean().default(true) }))
    .mutation(({ ctx, input }) => setAgentDraining(ctx.deps, ctx.actor, input)),
  revoke: adminProcedure
    .input(ZAgentId)
    .mutation(({ ctx, input }) => revokeAgent(ctx.deps, ctx.actor, input.agentId)),
  /** An administrator sets the agent's pool and routing labels (never the agent itself). */
  update: adminProcedure
    .input(
      ZAgentId.extend({ poolId: z.string().min(1).optional(), labels: ZAgentLabels.optional() }),
    )
    .mutation(({ ctx, input }) => updateAgentRouting(ctx.deps, ctx.actor, input)),
  createRegistrationToken: adminProcedure
    .input(ZCreateRegistrationTokenInput)
    .mutation(({ ctx, input }) => createRegistrationToken(ctx.deps, ctx.actor, input)),
});
