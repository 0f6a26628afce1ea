import type { BuildModel as Build } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";

/**
 * The build an agent reports on. With `agentId`, reports from an agent the
 * build no longer belongs to (it was lost and the build requeued) are refused,
 * so a late agent cannot overwrite the new attempt.
 */
export async function findIngestTarget(
  deps: ServerDeps,
  buildId: string,
  agentId?: string,
): Promise<Build> {
  const build = await deps.db.prisma.build.findUnique({ where: { id: buildId } });
  if (!build) throw new AppError("NOT_FOUND", `build ${buildId} not found`, "buildId");
  if (agentId !== undefined && build.agentId !== agentId) {
    throw new AppError(
      "CONFLICT",
      `build #${build.number} is not assigned to this agent`,
      "buildId",
    );
  }
  return build;
}
