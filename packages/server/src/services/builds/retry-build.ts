import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { findWritableBuild } from "./build-access.ts";
import { isTerminal } from "@kiln/contracts/build-status";
import { insertBuild, type TCreatedBuild } from "./create-build.ts";
import { parseResolvedElements, parseStoredRequest } from "./stored-request.ts";

/** Queues a new build with the same request and elements as a finished one (`retryOfId`). */
export async function retryBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<TCreatedBuild> {
  const build = await findWritableBuild(deps, actor, buildId);
  if (!isTerminal(build.status))
    throw new AppError("CONFLICT", `build #${build.number} has not finished yet`);
  return insertBuild(deps, actor, {
    request: parseStoredRequest(build.request, build.id),
    resolved: parseResolvedElements(build.resolvedElements, build.id),
    teamId: build.teamId,
    recipeId: build.recipeId,
    recipeVersionId: build.recipeVersionId,
    retryOfId: build.id,
  });
}
