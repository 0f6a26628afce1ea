import type { Actor, ServerDeps } from "@kiln/server/context";
import { handleCatalogUpload as handleUpload } from "@kiln/server/services/catalogs/handle-catalog-upload";

/** `POST /api/catalogs/upload`: the catalogs service owns the protocol (streamed, capped). */
export function handleCatalogUpload(
  deps: ServerDeps,
  actor: Actor,
  req: Request,
): Promise<Response> {
  return handleUpload(deps, actor, req);
}
