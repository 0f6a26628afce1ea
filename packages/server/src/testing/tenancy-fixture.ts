/**
 * Support for the tenancy tests: a team's own recipe with a real (encrypted)
 * secret over its own catalog, and agents registered into a named pool over
 * the real gateway, all behind a real API server. Not used by production code.
 */
import { encryptSecret } from "../services/recipes/recipe-secrets.ts";
import { createRegistrationToken } from "../services/agents/create-registration-token.ts";
import type { TTestProvider } from "@kiln/db/testing";
import { createFixture, type TFixture } from "./builds-fixture.ts";
import { startApiServer, type TApiServer } from "./start-api-server.ts";
import { connectSocket, FakeAgent, hello, registerOverHttp } from "./fake-agent.ts";

export type TServedFixture = TFixture & { server: TApiServer };

/** The builds fixture behind a real API server on 127.0.0.1; `secretKey` lets recipes hold secrets. */
export async function createServedFixture(
  provider: TTestProvider,
  secretKey?: string,
): Promise<TServedFixture> {
  const fixture = await createFixture(provider);
  // The fixture's callers share this config object, so they see the key too.
  if (secretKey !== undefined) Object.assign(fixture.deps.config, { secretKey });
  const server = await startApiServer({ deps: fixture.deps });
  return { ...fixture, server, close: async () => (await server.close(), fixture.close()) };
}

export interface TTeamRecipe {
  recipeId: string;
  recipeVersionId: string;
}

/**
 * A recipe of `teamId` carrying the secret `name=value`, over a copy of the
 * fixture's catalog owned by that team.
 */
export async function addSecretRecipe(
  f: TFixture,
  teamId: string,
  opts: {
    name: string;
    secret: { name: string; value: string };
    agentLabels?: Record<string, string>;
    allowSharedPools?: boolean;
  },
): Promise<TTeamRecipe> {
  const prisma = f.db.prisma;
  const source = await prisma.catalogVersion.findUniqueOrThrow({
    where: { id: f.catalogVersionId },
    include: { elements: true },
  });
  const catalog = await prisma.catalog.create({
    data: { teamId, name: `${opts.name}-catalog`, sourceKind: "upload" },
  });
  const version = await prisma.catalogVersion.create({
    data: {
      catalogId: catalog.id,
      sha256: source.sha256,
      storageKey: source.storageKey,
      sizeBytes: source.sizeBytes,
      elementCount: source.elementCount,
      elements: {
        create: source.elements.map(({ name, deps, provides }) => ({ name, deps, provides })),
      },
    },
  });
  const recipe = await prisma.recipe.create({
    data: { teamId, name: opts.name, allowSharedPools: opts.allowSharedPools ?? false },
  });
  const { name, value } = opts.secret;
  const rv = await prisma.recipeVersion.create({
    data: {
      recipeId: recipe.id,
      version: 1,
      elements: JSON.stringify(["ubuntu"]),
      outputTypes: JSON.stringify(["qcow2"]),
      env: JSON.stringify([
        { name, value: encryptSecret(f.deps.config, recipe.id, name, value), secret: true },
      ]),
      agentLabels: JSON.stringify(opts.agentLabels ?? {}),
      catalogs: { create: [{ catalogVersionId: version.id, position: 0 }] },
    },
  });
  return { recipeId: recipe.id, recipeVersionId: rv.id };
}

/**
 * Registers an agent over HTTP with a fresh token for `pool` (absent: the
 * default pool) and `labels`, connects it, says HELLO (with `helloLabels`,
 * which the server must ignore) and waits for WELCOME.
 */
export async function connectPoolAgent(
  f: TFixture,
  base: string,
  name: string,
  opts: { pool?: string; labels?: Record<string, string>; helloLabels?: Record<string, string> },
): Promise<{
  id: string;
  secret: string;
  agent: FakeAgent;
  welcomeLabels: Record<string, string>;
}> {
  const { token } = await createRegistrationToken(f.deps, f.users.admin, {
    labels: opts.labels ?? {},
    ...(opts.pool ? { pool: opts.pool } : {}),
  });
  const reg = await registerOverHttp(base, token, name, {});
  if (reg.status !== 200) throw new Error(`registration refused: HTTP ${reg.status}`);
  const ws = await connectSocket(base, reg.body.agentSecret);
  if (typeof ws === "number") throw new Error(`upgrade refused: ${ws}`);
  const agent = new FakeAgent(ws);
  agent.send({ ...hello(name), labels: opts.helloLabels ?? {} });
  const welcome = await agent.next("WELCOME");
  return {
    id: reg.body.agentId,
    secret: reg.body.agentSecret,
    agent,
    welcomeLabels: welcome.labels,
  };
}
