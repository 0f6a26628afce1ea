import { z } from "zod";
import { TEAM_ROLES } from "../services/access.ts";
import {
  addTeamMember,
  removeTeamMember,
  setTeamMemberRole,
} from "../services/teams/change-membership.ts";
import { createTeam } from "../services/teams/create-team.ts";
import { getTeam, listTeams } from "../services/teams/list-teams.ts";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";

const ZTeamRole = z.enum(TEAM_ROLES);
const ZId = z.string().min(1).max(100);

/** Teams and their members. */
export const teamsRouter = router({
  list: authedProcedure.query(({ ctx }) => listTeams(ctx.deps, ctx.actor)),

  get: authedProcedure
    .input(z.object({ teamId: ZId }))
    .query(({ ctx, input }) => getTeam(ctx.deps, ctx.actor, input.teamId)),

  create: writeProcedure
    .input(z.object({ slug: z.string().max(100), name: z.string().max(200) }))
    .mutation(({ ctx, input }) => createTeam(ctx.deps, ctx.actor, input)),

  addMember: writeProcedure
    .input(z.object({ teamId: ZId, email: z.string().max(320), role: ZTeamRole }))
    .mutation(async ({ ctx, input }) => {
      await addTeamMember(ctx.deps, ctx.actor, input);
      return { ok: true as const };
    }),

  setMemberRole: writeProcedure
    .input(z.object({ teamId: ZId, userId: ZId, role: ZTeamRole }))
    .mutation(async ({ ctx, input }) => {
      await setTeamMemberRole(ctx.deps, ctx.actor, input);
      return { ok: true as const };
    }),

  removeMember: writeProcedure
    .input(z.object({ teamId: ZId, userId: ZId }))
    .mutation(async ({ ctx, input }) => {
      await removeTeamMember(ctx.deps, ctx.actor, input);
      return { ok: true as const };
    }),
});
