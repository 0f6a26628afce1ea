import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { findWritableBuild } from "./build-access.ts";
import { publishBuildChange } from "./publish-build-change.ts";

/** Pins (retention never removes it) or unpins a build. */
export async function setBuildPinned(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; pinned: boolean },
): Promise<{ pinned: boolean }> {
  const build = await findWritableBuild(deps, actor, input.buildId);
  if (build.deletedAt) throw new AppError("CONFLICT", `build #${build.number} was deleted`);
  const updated = await deps.db.prisma.build.update({
    where: { id: build.id },
    data: { pinned: input.pinned },
  });
  await audit(deps, actor, input.pinned ? "build.pin" : "build.unpin", `build:${build.id}`, {
    number: build.number,
  });
  await publishBuildChange(deps, updated);
  return { pinned: updated.pinned };
}
