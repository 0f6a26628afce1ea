import type { BuildModel as Build } from "@kiln/db/client";
import type { ServerDeps } from "../../context.ts";
import type { TBuildStatus } from "@kiln/contracts/build-status";
import { BUILDS_TOPIC, buildTopic, type TBuildChangeMessage } from "./build-topics.ts";

/** Tells the list page (`builds`) and the build's followers (`build:<id>`) about a change. */
export async function publishBuildChange(
  deps: ServerDeps,
  build: Pick<
    Build,
    "id" | "number" | "status" | "teamId" | "recipeId" | "agentId" | "waitingReason" | "deletedAt"
  >,
): Promise<void> {
  let isPublic = false;
  if (build.recipeId) {
    const recipe = await deps.db.prisma.recipe.findUnique({
      where: { id: build.recipeId },
      select: { visibility: true },
    });
    isPublic = recipe?.visibility === "public";
  }
  const message: TBuildChangeMessage = {
    buildId: build.id,
    number: build.number,
    status: build.status as TBuildStatus,
    teamId: build.teamId,
    recipeId: build.recipeId,
    isPublic,
    agentId: build.agentId,
    waitingReason: build.waitingReason,
    deleted: build.deletedAt !== null,
  };
  deps.bus.publish(BUILDS_TOPIC, message);
  deps.bus.publish(buildTopic(build.id), {
    kind: "status",
    status: build.status as TBuildStatus,
  });
}

/** Publishes the build as stored now, after a change made without reading it back. */
export async function publishStoredBuild(deps: ServerDeps, buildId: string): Promise<void> {
  const fresh = await deps.db.prisma.build.findUnique({ where: { id: buildId } });
  if (fresh) await publishBuildChange(deps, fresh);
}
