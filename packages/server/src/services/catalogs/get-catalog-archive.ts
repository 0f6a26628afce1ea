import type { Readable } from "node:stream";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";

/** The stored archive of the catalog version with this content hash (what agents download). */
export async function getCatalogArchive(deps: ServerDeps, sha256: string): Promise<Readable> {
  const version = await deps.db.prisma.catalogVersion.findFirst({ where: { sha256 } });
  if (!version) throw new AppError("NOT_FOUND", `no catalog version with sha256 ${sha256}`);
  return deps.store.get(version.storageKey);
}
