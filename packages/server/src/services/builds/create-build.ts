import { z } from "zod";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit, requireTeamRole } from "../access.ts";
import { storedEnv, storedVersionColumns } from "../recipes/stored-version.ts";
import { nextBuildNumber } from "./next-build-number.ts";
import { publishBuildChange } from "./publish-build-change.ts";
import { resolveBuildElements } from "./resolve-build-elements.ts";
import {
  ZAgentLabels,
  ZBuildEnvVar,
  ZStoredBuildRequest,
  type TResolvedElement,
  type TStoredBuildRequest,
} from "./stored-request.ts";

export const ZCreateBuildInput = z.union([
  // The server always resolves the elements itself: what the build page shows
  // as the build's elements must be what the agent will run, never the caller's claim.
  z.object({ recipeVersionId: z.string().min(1) }),
  z.object({
    /** Ad-hoc build owned by this team, over Kiln's built-in catalog. */
    teamId: z.string().min(1),
    request: ZBuildRequest,
    env: z.array(ZBuildEnvVar).default([]),
    agentLabels: ZAgentLabels.default({}),
  }),
]);
export type TCreateBuildInput = z.input<typeof ZCreateBuildInput>;

export interface TCreatedBuild {
  id: string;
  number: number;
}

/** Queues a build of a recipe version, or an ad-hoc request. Needs the member role. */
export async function createBuild(
  deps: ServerDeps,
  actor: Actor,
  raw: TCreateBuildInput,
): Promise<TCreatedBuild> {
  const input = ZCreateBuildInput.parse(raw);
  if ("recipeVersionId" in input) {
    const rv = await deps.db.prisma.recipeVersion.findUnique({
      where: { id: input.recipeVersionId },
      include: { recipe: true, catalogs: { orderBy: { position: "asc" } } },
    });
    if (!rv)
      throw new AppError(
        "NOT_FOUND",
        `recipe version ${input.recipeVersionId} not found`,
        "recipeVersionId",
      );
    await requireTeamRole(deps, actor, rv.recipe.teamId, "member", "recipe");
    if (rv.recipe.archivedAt)
      throw new AppError("CONFLICT", `recipe ${rv.recipe.name} is archived`);
    const { elements, outputTypes, agentLabels } = storedVersionColumns(rv);
    const request = ZStoredBuildRequest.parse({
      elements,
      imageName: rv.recipe.name,
      types: outputTypes,
      arch: rv.arch,
      ...(rv.imageSizeGb ? { imageSizeGb: rv.imageSizeGb } : {}),
      env: storedEnv(rv).map((v) =>
        v.secret ? { name: v.name, secret: true } : { name: v.name, value: v.value, secret: false },
      ),
      agentLabels,
    });
    const resolved = await resolveBuildElements(deps, {
      ...request,
      catalogVersionIds: rv.catalogs.map((c) => c.catalogVersionId),
    });
    return insertBuild(deps, actor, {
      request,
      resolved,
      teamId: rv.recipe.teamId,
      recipeId: rv.recipeId,
      recipeVersionId: rv.id,
      retryOfId: null,
    });
  }
  await requireTeamRole(deps, actor, input.teamId, "member");
  const request = ZStoredBuildRequest.parse({
    ...input.request,
    env: input.env,
    agentLabels: input.agentLabels,
  });
  const resolved = await resolveBuildElements(deps, { ...request, catalogVersionIds: [] });
  return insertBuild(deps, actor, {
    request,
    resolved,
    teamId: input.teamId,
    recipeId: null,
    recipeVersionId: null,
    retryOfId: null,
  });
}

export interface TInsertBuild {
  request: TStoredBuildRequest;
  resolved: TResolvedElement[];
  teamId: string | null;
  recipeId: string | null;
  recipeVersionId: string | null;
  retryOfId: string | null;
}

/** Numbers, stores (QUEUED), audits and announces a build. */
export async function insertBuild(
  deps: ServerDeps,
  actor: Actor,
  b: TInsertBuild,
): Promise<TCreatedBuild> {
  const number = await nextBuildNumber(deps);
  const build = await deps.db.prisma.build.create({
    data: {
      number,
      status: "QUEUED",
      queuedAt: deps.now(),
      request: JSON.stringify(b.request),
      resolvedElements: JSON.stringify(b.resolved),
      teamId: b.teamId,
      recipeId: b.recipeId,
      recipeVersionId: b.recipeVersionId,
      retryOfId: b.retryOfId,
      requestedById: actor.userId,
      waitingReason: "waiting for the dispatcher",
    },
  });
  await audit(deps, actor, b.retryOfId ? "build.retry" : "build.create", `build:${build.id}`, {
    number,
    recipeVersionId: b.recipeVersionId,
    retryOfId: b.retryOfId,
  });
  await publishBuildChange(deps, build);
  return { id: build.id, number };
}
