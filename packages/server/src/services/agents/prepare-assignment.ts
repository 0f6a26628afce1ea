/**
 * The ASSIGN an agent gets for a build: its engine request, environment
 * (recipe secrets decrypted only here, at hand-over) and elements path.
 */
import type { TServerToAgent } from "@kiln/protocol";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import type { ServerDeps } from "../../context.ts";
import { errorUnassignable } from "../builds/build-transitions.ts";
import { rememberBuildSecrets } from "../builds/build-secret-masks.ts";
import { parseResolvedElements, parseStoredRequest } from "../builds/stored-request.ts";
import { getRecipeVersionForBuild } from "../recipes/find-recipes.ts";
import { agentMayRunBuild } from "../dispatch/build-pools.ts";

/** Where agents GET a catalog version's archive (relative to the server they are connected to). */
export const agentCatalogPath = (sha256: string) => `/api/agents/catalogs/${sha256}`;
/** Where agents PUT a build's artifacts: `${this}${fileName}`. */
export const agentArtifactBase = (buildId: string) => `/api/agents/builds/${buildId}/artifacts/`;

/**
 * The ASSIGN for a build still ASSIGNED to this agent; null when it is not
 * (any more). A build that cannot be handed over (a secret no longer
 * decrypts, a corrupt stored request) is ERRORED rather than left stuck.
 */
export async function prepareAssignment(
  deps: ServerDeps,
  agentId: string,
  buildId: string,
): Promise<TServerToAgent<"ASSIGN"> | null> {
  const build = await deps.db.prisma.build.findUnique({
    where: { id: buildId },
    include: { recipe: { select: { allowSharedPools: true } } },
  });
  if (!build || build.agentId !== agentId || build.status !== "ASSIGNED") return null;
  if (!(await agentMayRunBuild(deps, agentId, build))) {
    await errorUnassignable(deps, buildId, "its agent is no longer in a pool this build may use");
    return null;
  }
  try {
    const assign = await assignmentFor(deps, build);
    const secrets = assign.env.filter((entry) => entry.secret).map((entry) => entry.value);
    // Ingest masks this build's reports with the values decrypted here.
    rememberBuildSecrets(deps, { id: buildId, agentId }, secrets);
    return assign;
  } catch (err) {
    await errorUnassignable(deps, buildId, String((err as Error)?.message ?? err));
    return null;
  }
}

/** Throws (AppError or a decryption error) when the build cannot be handed over. */
export async function assignmentFor(
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
  const env = stored.env.map((entry) => {
    const value = entry.secret ? recipe?.env[entry.name] : entry.value;
    if (value === undefined) throw new Error(`secret ${entry.name} has no stored value`);
    return { name: entry.name, value, secret: entry.secret };
  });
  return {
    type: "ASSIGN",
    v: 1,
    buildId: build.id,
    number: build.number,
    request: ZBuildRequest.parse(stored),
    env,
    elementsPath: (recipe?.catalogVersions ?? adHocCatalogs(build)).map((catalog) => ({
      name: catalog.catalogName,
      sha256: catalog.sha256,
      url: agentCatalogPath(catalog.sha256),
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
  for (const element of parseResolvedElements(build.resolvedElements, build.id)) {
    if (element.catalogSha256 && !seen.has(element.catalogSha256))
      seen.set(element.catalogSha256, element.catalogName ?? "builtin");
  }
  return [...seen].map(([sha256, catalogName]) => ({ catalogName, sha256 }));
}
