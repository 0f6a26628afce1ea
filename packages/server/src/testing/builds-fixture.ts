/**
 * A real database (SQLite or PostgreSQL), store and bus for the builds,
 * dispatch and retention tests, seeded with two teams, their users, a
 * catalog and a private recipe. Not a test file itself.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "@kiln/db/client";
import type { TTestProvider } from "@kiln/db/testing";
import type { Actor, ServerDeps } from "../context.ts";
import { agentsRouter } from "../routers/agents-router.ts";
import { buildsRouter } from "../routers/builds-router.ts";
import { poolsRouter } from "../routers/pools-router.ts";
import { recipesRouter } from "../routers/recipes-router.ts";
import { createCallerFactory, router } from "../trpc.ts";
import { recordBuildEvent } from "../services/builds/record-build-event.ts";
import { createTestDeps } from "./test-server-deps.ts";

const testRouter = router({
  builds: buildsRouter,
  agents: agentsRouter,
  pools: poolsRouter,
  recipes: recipesRouter,
});
const createCaller = createCallerFactory(testRouter);

/** Elements of the test catalog: name → [deps, provides]. */
const ELEMENTS: Record<string, [string[], string[]]> = {
  base: [[], []],
  ubuntu: [["dpkg"], ["operating-system"]],
  dpkg: [[], []],
  vm: [["bootloader"], []],
  bootloader: [[], []],
  "block-device-mbr": [[], []],
  "block-device-efi": [[], []],
  nginx: [["base"], []],
};

export interface TFixture {
  deps: ServerDeps;
  /** The clock `deps.now` reads; each read advances it by 1 ms so queue order is strict. */
  clock: { t: number };
  db: Db;
  /** The test database's URL (to open more clients, as other processes would). */
  dbUrl: string;
  users: Record<"admin" | "alice" | "victor" | "bob", Actor>;
  teamA: string;
  teamB: string;
  recipeId: string;
  recipeVersionId: string;
  catalogVersionId: string;
  caller(actor: Actor | undefined, signal?: AbortSignal): ReturnType<typeof createCaller>;
  /** Every message published on a topic since the fixture was made. */
  published(topic: string): unknown[];
  close(): Promise<void>;
}

export async function createFixture(provider: TTestProvider): Promise<TFixture> {
  const clock = { t: Date.parse("2026-03-01T10:00:00Z") };
  const base = await createTestDeps(provider, {
    config: { keepBuildsDefault: 3, publicUrl: "http://127.0.0.1:3000" },
    now: () => new Date(clock.t++),
  });
  const { db, tmp } = base;
  const builtin = path.join(tmp, "elements");
  for (const [name, [deps, provides]] of Object.entries(ELEMENTS)) {
    mkdirSync(path.join(builtin, name), { recursive: true });
    writeFileSync(path.join(builtin, name, "element-deps"), deps.join("\n") + "\n");
    writeFileSync(path.join(builtin, name, "element-provides"), provides.join("\n") + "\n");
  }
  const deps: ServerDeps = {
    ...base.deps,
    config: { ...base.deps.config, builtinElementsDir: builtin },
  };
  const log = new Map<string, unknown[]>();
  const publish = deps.bus.publish.bind(deps.bus);
  deps.bus.publish = (topic, message) => {
    log.set(topic, [...(log.get(topic) ?? []), message]);
    publish(topic, message);
  };
  const p = db.prisma;
  const mk = async (email: string, role: "admin" | "user"): Promise<Actor> => {
    const u = await p.user.create({ data: { email, role } });
    return { userId: u.id, email, role };
  };
  const users = {
    admin: await mk("admin@test", "admin"),
    alice: await mk("alice@test", "user"),
    victor: await mk("victor@test", "user"),
    bob: await mk("bob@test", "user"),
  };
  const teamA = (await p.team.create({ data: { slug: "a", name: "A" } })).id;
  const teamB = (await p.team.create({ data: { slug: "b", name: "B" } })).id;
  await p.membership.createMany({
    data: [
      { userId: users.alice.userId, teamId: teamA, role: "member" },
      { userId: users.victor.userId, teamId: teamA, role: "viewer" },
      { userId: users.bob.userId, teamId: teamB, role: "maintainer" },
    ],
  });
  const catalog = await p.catalog.create({
    data: { teamId: teamA, name: "core", sourceKind: "upload" },
  });
  const cv = await p.catalogVersion.create({
    data: {
      catalogId: catalog.id,
      sha256: "ab".repeat(32),
      storageKey: "catalogs/core.tar",
      sizeBytes: 1,
      elementCount: Object.keys(ELEMENTS).length,
    },
  });
  await p.catalogElement.createMany({
    data: Object.entries(ELEMENTS).map(([name, [d, pr]]) => ({
      catalogVersionId: cv.id,
      name,
      deps: JSON.stringify(d),
      provides: JSON.stringify(pr),
    })),
  });
  const recipe = await p.recipe.create({
    // allowSharedPools: the tests of dispatch and hand-over run it on the default pool
    data: { teamId: teamA, name: "web", visibility: "private", allowSharedPools: true },
  });
  const rv = await p.recipeVersion.create({
    data: {
      recipeId: recipe.id,
      version: 1,
      elements: JSON.stringify(["ubuntu", "vm"]),
      outputTypes: JSON.stringify(["qcow2"]),
      env: JSON.stringify([
        { name: "DIB_RELEASE", value: "noble", secret: false },
        { name: "DIB_TOKEN", value: "enc:xyz", secret: true },
      ]),
      catalogs: { create: [{ catalogVersionId: cv.id, position: 0 }] },
    },
  });
  return {
    deps,
    clock,
    db,
    dbUrl: base.dbUrl,
    users,
    teamA,
    teamB,
    recipeId: recipe.id,
    recipeVersionId: rv.id,
    catalogVersionId: cv.id,
    caller: (actor, signal) => createCaller({ deps, actor }, signal ? { signal } : undefined),
    published: (topic) => log.get(topic) ?? [],
    close: base.close,
  };
}

/** The agent's first event for a build (seq 0): the build is RUNNING from here. */
export async function recordStarted(f: TFixture, buildId: string): Promise<void> {
  await recordBuildEvent(f.deps, buildId, 0, {
    type: "build.started",
    t: f.clock.t,
    buildId,
    elements: [],
    phases: [],
  });
}

/** Gives a member of team A the least role that authors catalogs (alice is a plain member). */
export async function makeCatalogAuthor(f: TFixture, actor: Actor): Promise<void> {
  await f.db.prisma.membership.update({
    where: { userId_teamId: { userId: actor.userId, teamId: f.teamA } },
    data: { role: "maintainer" },
  });
}

/** A build alice asks for in team A, already handed to `agentId` and in `status`. */
export async function buildOnAgent(
  f: TFixture,
  agentId: string,
  status: "ASSIGNED" | "RUNNING",
): Promise<string> {
  const { id } = await f.caller(f.users.alice).builds.create({
    teamId: f.teamA,
    request: { elements: ["ubuntu"], arch: "amd64" },
  });
  await f.db.prisma.build.update({ where: { id }, data: { status, agentId } });
  return id;
}

/** Adds an agent as the gateway would after registration. */
export async function addAgent(
  f: TFixture,
  name: string,
  opts: { arch?: string; labels?: Record<string, string>; capacity?: number; state?: string } = {},
): Promise<string> {
  const a = await f.db.prisma.agent.create({
    data: {
      name,
      arch: opts.arch ?? "amd64",
      labels: JSON.stringify(opts.labels ?? {}),
      capacity: opts.capacity ?? 1,
      state: opts.state ?? "ONLINE",
      lastSeenAt: new Date(f.clock.t),
    },
  });
  return a.id;
}
