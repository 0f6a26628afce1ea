import type { BuildModel as Build, Prisma } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { readableTeamIds, requireTeamRole, type TTeamRole } from "../access.ts";

/**
 * Builds the actor may see: admins all; others those of their teams, their
 * own team-less ad-hoc builds, and builds of public recipes.
 */
export async function visibleBuildsWhere(
  deps: ServerDeps,
  actor: Actor,
): Promise<Prisma.BuildWhereInput> {
  const teams = await readableTeamIds(deps, actor);
  if (teams === "all") return {};
  return {
    OR: [
      { teamId: { in: teams } },
      { teamId: null, requestedById: actor.userId },
      // Public recipes are looked up first: an id list keeps the build query an index walk.
      { recipeId: { in: await publicRecipeIds(deps) } },
    ],
  };
}

async function publicRecipeIds(deps: ServerDeps): Promise<string[]> {
  const rows = await deps.db.prisma.recipe.findMany({
    where: { visibility: "public" },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** A build the actor may read (NOT_FOUND otherwise, so private builds are not confirmed). */
export async function findReadableBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<Build> {
  const where = await visibleBuildsWhere(deps, actor);
  const build = await deps.db.prisma.build.findFirst({ where: { AND: [{ id: buildId }, where] } });
  if (!build) throw new AppError("NOT_FOUND", `build ${buildId} not found`, "buildId");
  return build;
}

/**
 * A build the actor may change: at least `min` in its team (a viewer may not
 * cancel); a team-less ad-hoc build only by whoever asked for it.
 */
export async function findWritableBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
  min: TTeamRole = "member",
): Promise<Build> {
  const build = await findReadableBuild(deps, actor, buildId);
  if (build.teamId) await requireTeamRole(deps, actor, build.teamId, min, "build");
  else if (actor.role !== "admin" && build.requestedById !== actor.userId) {
    throw new AppError("FORBIDDEN", "only whoever asked for this build may change it");
  }
  return build;
}
