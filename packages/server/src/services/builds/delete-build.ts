import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { findWritableBuild } from "./build-access.ts";
import { isTerminal } from "@kiln/contracts/build-status";
import { publishBuildChange } from "./publish-build-change.ts";
import { purgeBuildData } from "./purge-build-data.ts";

/** Soft-deletes a finished build and removes its artifacts and logs. Needs the maintainer role. */
export async function deleteBuild(
  deps: ServerDeps,
  actor: Actor,
  buildId: string,
): Promise<{ freedBytes: number }> {
  const build = await findWritableBuild(deps, actor, buildId, "maintainer");
  if (!isTerminal(build.status))
    throw new AppError("CONFLICT", `build #${build.number} is still active; cancel it first`);
  if (build.deletedAt) return { freedBytes: 0 };
  const result = await purgeBuildData(deps, buildId);
  await audit(deps, actor, "build.delete", `build:${buildId}`, { number: build.number, ...result });
  await publishBuildChange(
    deps,
    await deps.db.prisma.build.findUniqueOrThrow({ where: { id: buildId } }),
  );
  return result;
}
