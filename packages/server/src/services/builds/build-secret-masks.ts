/**
 * The server's own masking of a build's secrets at ingest, behind the
 * agent's: every log chunk and event an agent reports goes through the
 * build's masker before it is stored or published, so an agent that did not
 * mask (an old or modified one, a hook printing a secret in a form the agent
 * missed across lines) still leaves no secret in the database.
 *
 * Log bytes are masked with runs of `*` of the same length: the agent assigns
 * offsets, followers read by them, and resends are matched by them, so the
 * server must not change a chunk's length (the agent's own mask, `***`, is
 * applied before it assigns offsets). A secret's length shows; its value
 * does not.
 *
 * Plaintext is kept only while a build reports: the masker is made from the
 * values decrypted for ASSIGN (or decrypted again on the first report after a
 * server restart), and dropped when the build finishes, after an idle hour,
 * or when too many builds are cached.
 */
import {
  createSecretMasker,
  SecretStreamMasker,
  type SecretMasker,
} from "@kiln/contracts/secret-masker";
import type { ServerDeps } from "../../context.ts";
import { getRecipeVersionForBuild } from "../recipes/find-recipes.ts";
import { parseStoredRequest } from "./stored-request.ts";

export interface TBuildMasker {
  /** Text of events and failures: `***` for each secret. */
  text: SecretMasker;
  /** The build's log bytes, chunk by chunk, same length. */
  log: SecretStreamMasker;
}

interface TCached {
  masker: TBuildMasker;
  /** The agent the build was assigned to: another agent's reports do not move the log's state. */
  agentId: string | null;
  lastUsed: number;
}

/** Builds whose maskers are kept at once; the least recently used goes first. */
const MAX_CACHED = 500;
/** A build silent this long loses its masker (rebuilt from the recipe if it reports again). */
const IDLE_MS = 60 * 60_000;

const caches = new WeakMap<object, Map<string, TCached>>();

function cacheOf(deps: ServerDeps): Map<string, TCached> {
  let cache = caches.get(deps.db);
  if (!cache) caches.set(deps.db, (cache = new Map()));
  return cache;
}

function maskerOf(values: string[]): TBuildMasker {
  const text = createSecretMasker(values);
  return { text, log: new SecretStreamMasker(text.forms) };
}

function remember(
  deps: ServerDeps,
  buildId: string,
  entry: Omit<TCached, "lastUsed">,
): TBuildMasker {
  const cache = cacheOf(deps);
  const now = deps.now().getTime();
  for (const [id, cached] of cache) if (now - cached.lastUsed > IDLE_MS) cache.delete(id);
  cache.delete(buildId);
  cache.set(buildId, { ...entry, lastUsed: now });
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return entry.masker;
}

/** ASSIGN has just decrypted the build's secrets for this agent: keep their masker for its reports. */
export function rememberBuildSecrets(
  deps: ServerDeps,
  build: { id: string; agentId: string },
  values: string[],
): void {
  remember(deps, build.id, { masker: maskerOf(values), agentId: build.agentId });
}

/** The build has finished reporting: drop its secrets. */
export function forgetBuildSecrets(deps: ServerDeps, buildId: string): void {
  cacheOf(deps).delete(buildId);
}

/**
 * The build's masker, from the cache or made from its recipe version's
 * decrypted secrets. A report from an agent the build is not assigned to
 * (refused later) gets a masker of its own.
 */
export async function buildMasker(
  deps: ServerDeps,
  buildId: string,
  agentId?: string,
): Promise<TBuildMasker> {
  let cached: Omit<TCached, "lastUsed"> | undefined = cacheOf(deps).get(buildId);
  if (!cached) {
    const build = await deps.db.prisma.build.findUnique({
      where: { id: buildId },
      select: { id: true, request: true, recipeVersionId: true, agentId: true },
    });
    cached = {
      masker: maskerOf(build ? await secretValues(deps, build) : []),
      agentId: build?.agentId ?? null,
    };
  }
  if (agentId !== undefined && agentId !== cached.agentId) {
    const { text } = cached.masker;
    return { text, log: new SecretStreamMasker(text.forms) };
  }
  return remember(deps, buildId, cached);
}

async function secretValues(
  deps: ServerDeps,
  build: { id: string; request: string; recipeVersionId: string | null },
): Promise<string[]> {
  if (!build.recipeVersionId) return [];
  const names = parseStoredRequest(build.request, build.id)
    .env.filter((entry) => entry.secret)
    .map((entry) => entry.name);
  if (names.length === 0) return [];
  try {
    const recipe = await getRecipeVersionForBuild(deps, build.recipeVersionId);
    return names.flatMap((name) => (recipe.env[name] === undefined ? [] : [recipe.env[name]]));
  } catch (err) {
    // The key changed since ASSIGN (or the row is damaged): the server cannot know the values,
    // so only the agent's masking applies. Refusing the reports would wedge the build for nothing.
    deps.logger.warn("build secrets do not decrypt: ingest cannot mask them", {
      buildId: build.id,
      error: (err as Error).message,
    });
    return [];
  }
}
