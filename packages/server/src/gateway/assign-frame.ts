/**
 * The ASSIGN frame for a build: its engine request, environment (recipe
 * secrets decrypted only here, at hand-over) and elements path.
 */
import type { TServerToAgent } from "@kiln/protocol";
import { ZBuildRequest } from "@kiln/engine/plan/build-request";
import type { ServerDeps } from "../context.ts";
import { parseResolvedElements, parseStoredRequest } from "../services/builds/stored-request.ts";
import { getRecipeVersionForBuild } from "../services/recipes/find-recipes.ts";

/** Where agents GET a catalog version's archive (relative to the server they are connected to). */
export const agentCatalogPath = (sha256: string) => `/api/agents/catalogs/${sha256}`;
/** Where agents PUT a build's artifacts: `${this}${fileName}`. */
export const agentArtifactBase = (buildId: string) => `/api/agents/builds/${buildId}/artifacts/`;

/** Throws (AppError or a decryption error) when the build cannot be handed over. */
export async function assignFrameFor(
  deps: ServerDeps,
  build: {
    id: string;
    number: number;
    request: string;
    recipeVersionId: string | null;
    resolvedElements: string | null;
  },
): Promise<TServerToAgent<"ASSIGN">> {
  const stored = parseStoredRequest(build.request, build.id);
  const recipe = build.recipeVersionId
    ? await getRecipeVersionForBuild(deps, build.recipeVersionId)
    : undefined;
  const env = stored.env.map((e) => {
    const value = e.secret ? recipe?.env[e.name] : e.value;
    if (value === undefined) throw new Error(`secret ${e.name} has no stored value`);
    return { name: e.name, value, secret: e.secret };
  });
  return {
    type: "ASSIGN",
    v: 1,
    buildId: build.id,
    number: build.number,
    request: ZBuildRequest.parse(stored),
    env,
    elementsPath: (recipe?.catalogVersions ?? adHocCatalogs(build)).map((c) => ({
      name: c.catalogName,
      sha256: c.sha256,
      url: agentCatalogPath(c.sha256),
    })),
    artifactUploadUrl: agentArtifactBase(build.id),
  };
}

/**
 * An ad-hoc build was resolved against the server's `builtin` catalog version:
 * the agent gets that version too, so an agent of another Kiln release builds
 * the elements the server resolved, not its own. (None recorded: the server
 * had no builtin version; the agent's own built-ins it is, as before.)
 */
function adHocCatalogs(build: {
  id: string;
  resolvedElements: string | null;
}): { catalogName: string; sha256: string }[] {
  const seen = new Map<string, string>();
  for (const e of parseResolvedElements(build.resolvedElements, build.id)) {
    if (e.catalogSha256 && !seen.has(e.catalogSha256))
      seen.set(e.catalogSha256, e.catalogName ?? "builtin");
  }
  return [...seen].map(([sha256, catalogName]) => ({ catalogName, sha256 }));
}
