import type { Readable } from "node:stream";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { parseResolvedElements } from "../builds/stored-request.ts";

/**
 * The stored archive of the catalog version with this content hash, for an
 * agent that holds a build using it (a recipe build's catalogs, or the
 * version an ad-hoc build was resolved against). Any other version is
 * NOT_FOUND, alike whether it exists: an agent reads only what its own
 * builds run, never another team's catalogs.
 */
export async function getCatalogArchive(
  deps: ServerDeps,
  agentId: string,
  sha256: string,
): Promise<Readable> {
  const missing = new AppError("NOT_FOUND", `no catalog version with sha256 ${sha256}`);
  if (!(await agentBuildUses(deps, agentId, sha256))) throw missing;
  const version = await deps.db.prisma.catalogVersion.findFirst({ where: { sha256 } });
  if (!version) throw missing;
  return deps.store.get(version.storageKey);
}

async function agentBuildUses(deps: ServerDeps, agentId: string, sha256: string) {
  const held = { agentId, status: { in: ACTIVE_STATUSES }, deletedAt: null };
  const recipeBuild = await deps.db.prisma.build.findFirst({
    where: { ...held, recipeVersion: { catalogs: { some: { catalogVersion: { sha256 } } } } },
    select: { id: true },
  });
  if (recipeBuild) return true;
  const adHoc = await deps.db.prisma.build.findMany({
    where: { ...held, recipeVersionId: null, resolvedElements: { contains: sha256 } },
    select: { id: true, resolvedElements: true },
  });
  return adHoc.some((build) =>
    parseResolvedElements(build.resolvedElements, build.id).some(
      (element) => element.catalogSha256 === sha256,
    ),
  );
}
