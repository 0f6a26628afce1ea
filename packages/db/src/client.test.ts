import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, isUniqueViolation, type Db } from "./client.ts";
import { migrateDatabase } from "./migrate.ts";
import { testProviders, type TTestDatabase } from "./testing/create-test-database.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
for (const p of providers)
  if (p.skipReason) console.log(`@kiln/db: ${p.provider} tests skipped: ${p.skipReason}`);

/** One row in every model, linked the way the dashboard links them. */
async function seed(db: Db, tag: string) {
  const p = db.prisma;
  const user = await p.user.create({ data: { email: `${tag}@example.test`, name: "Ada" } });
  const team = await p.team.create({ data: { slug: `team-${tag}`, name: "Team" } });
  const membership = await p.membership.create({
    data: { userId: user.id, teamId: team.id, role: "owner" },
  });
  const session = await p.session.create({
    data: { tokenHash: `s-${tag}`, userId: user.id, expiresAt: new Date(Date.now() + 3600_000) },
  });
  const apiToken = await p.apiToken.create({
    data: { name: "ci", prefix: "kiln_ab", tokenHash: `t-${tag}`, userId: user.id },
  });
  const catalog = await p.catalog.create({
    data: { teamId: team.id, name: "base", sourceKind: "upload" },
  });
  const catalogVersion = await p.catalogVersion.create({
    data: {
      catalogId: catalog.id,
      sha256: `sha-${tag}`,
      storageKey: `catalogs/${tag}.tar`,
      sizeBytes: 10,
      elementCount: 1,
    },
  });
  const element = await p.catalogElement.create({
    data: {
      catalogVersionId: catalogVersion.id,
      name: "debian",
      deps: '["base"]',
      readme: "# Debian\n".repeat(5000),
    },
  });
  const recipe = await p.recipe.create({ data: { teamId: team.id, name: "web" } });
  const recipeVersion = await p.recipeVersion.create({
    data: {
      recipeId: recipe.id,
      version: 1,
      elements: '["debian","vm"]',
      outputTypes: '["qcow2"]',
      imageSizeGb: 2.5,
      catalogs: { create: [{ catalogVersionId: catalogVersion.id, position: 0 }] },
    },
  });
  const agent = await p.agent.create({
    data: { name: `agent-${tag}`, arch: "amd64", secretHash: `a-${tag}` },
  });
  const build = await p.build.create({
    data: {
      number: Math.floor(Math.random() * 1e9),
      recipeVersionId: recipeVersion.id,
      recipeId: recipe.id,
      teamId: team.id,
      request: "{}",
      requestedById: user.id,
      agentId: agent.id,
    },
  });
  const hook = await p.buildHook.create({
    data: {
      buildId: build.id,
      phase: "root.d",
      element: "debian",
      script: "10-x",
      exitCode: 0,
      durationMs: 5,
      seq: 0,
    },
  });
  const event = await p.buildEvent.create({
    data: { buildId: build.id, seq: 0, type: "PHASE_START", data: "{}" },
  });
  const log = await p.logChunk.create({
    data: {
      buildId: build.id,
      seq: 0,
      offset: 0,
      data: Uint8Array.from([0, 0x1b, 0x5b, 0xff, 0x80]),
    },
  });
  const artifact = await p.artifact.create({
    data: {
      buildId: build.id,
      type: "qcow2",
      fileName: "web.qcow2",
      sizeBytes: 6n * 1024n ** 4n + 1n,
      sha256: "0".repeat(64),
      md5: "0".repeat(32),
      storageKey: `builds/${build.id}/web.qcow2`,
    },
  });
  const regToken = await p.agentRegistrationToken.create({
    data: { tokenHash: `r-${tag}`, expiresAt: new Date(Date.now() + 60_000) },
  });
  const audit = await p.auditEvent.create({
    data: { actorId: user.id, action: "build.create", target: build.id },
  });
  const setting = await p.setting.create({ data: { key: `k-${tag}`, value: "1" } });
  return {
    user,
    team,
    membership,
    session,
    apiToken,
    catalog,
    catalogVersion,
    element,
    recipe,
    recipeVersion,
    agent,
    build,
    hook,
    event,
    log,
    artifact,
    regToken,
    audit,
    setting,
  };
}

describe.each(providers)("the client on $provider", ({ provider, skipReason, create }) => {
  let handle: TTestDatabase;
  let db: Db;
  beforeAll(async () => {
    if (skipReason) return;
    handle = await create();
    await migrateDatabase({ url: handle.url });
    db = createDb({ url: handle.url });
  });
  afterAll(async () => {
    await db?.close();
    await handle?.drop();
  });

  it.skipIf(skipReason)("reports its provider", () => {
    expect(db.provider).toBe(provider);
  });

  it.skipIf(skipReason)("creates, reads, updates and deletes a row of every model", async () => {
    const s = await seed(db, "crud");
    const p = db.prisma;
    const build = await p.build.findUniqueOrThrow({
      where: { id: s.build.id },
      include: {
        hooks: true,
        events: true,
        logChunks: true,
        artifacts: true,
        recipe: true,
        team: true,
        agent: true,
      },
    });
    expect(build.recipe?.name).toBe("web");
    expect(build.hooks.map((h) => h.script)).toEqual(["10-x"]);
    expect(build.events[0]?.type).toBe("PHASE_START");
    expect(build.agent?.name).toBe("agent-crud");
    const rv = await p.recipeVersion.findUniqueOrThrow({
      where: { id: s.recipeVersion.id },
      include: { catalogs: true },
    });
    expect(rv.imageSizeGb).toBe(2.5);
    expect(rv.catalogs[0]?.catalogVersionId).toBe(s.catalogVersion.id);
    expect(
      (await p.catalogElement.findUniqueOrThrow({ where: { id: s.element.id } })).readme,
    ).toHaveLength(45_000);

    await p.build.update({
      where: { id: s.build.id },
      data: { status: "RUNNING", startedAt: new Date() },
    });
    expect((await p.build.findUniqueOrThrow({ where: { id: s.build.id } })).status).toBe("RUNNING");
    await p.agent.update({
      where: { id: s.agent.id },
      data: { state: "ONLINE", lastSeenAt: new Date() },
    });
    await p.setting.update({ where: { key: s.setting.key }, data: { value: "2" } });
    expect((await p.setting.findUniqueOrThrow({ where: { key: s.setting.key } })).value).toBe("2");

    const counts = async () =>
      Promise.all([
        p.auditEvent.count(),
        p.agentRegistrationToken.count(),
        p.session.count(),
        p.apiToken.count(),
      ]);
    const before = await counts();
    await p.auditEvent.delete({ where: { id: s.audit.id } });
    await p.agentRegistrationToken.delete({ where: { id: s.regToken.id } });
    await p.session.delete({ where: { id: s.session.id } });
    await p.apiToken.delete({ where: { id: s.apiToken.id } });
    expect(await counts()).toEqual(before.map((n) => n - 1));
  });

  it.skipIf(skipReason)("round-trips BigInt sizes beyond 2^53 and arbitrary bytes", async () => {
    const s = await seed(db, "big");
    const huge = 2n ** 62n + 3n;
    await db.prisma.artifact.update({ where: { id: s.artifact.id }, data: { sizeBytes: huge } });
    const a = await db.prisma.artifact.findUniqueOrThrow({ where: { id: s.artifact.id } });
    expect(a.sizeBytes).toBe(huge);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await db.prisma.logChunk.create({
      data: { buildId: s.build.id, seq: 1, offset: 5, data: bytes },
    });
    const chunks = await db.prisma.logChunk.findMany({
      where: { buildId: s.build.id },
      orderBy: { seq: "asc" },
    });
    expect([...chunks[0]!.data]).toEqual([0, 0x1b, 0x5b, 0xff, 0x80]);
    expect([...chunks[1]!.data]).toEqual([...bytes]);
  });

  it.skipIf(skipReason)("enforces the unique constraints", async () => {
    const s = await seed(db, "uniq");
    const p = db.prisma;
    const attempts: [string, () => Promise<unknown>][] = [
      ["User.email", () => p.user.create({ data: { email: s.user.email } })],
      ["Team.slug", () => p.team.create({ data: { slug: s.team.slug, name: "x" } })],
      [
        "Membership(user,team)",
        () =>
          p.membership.create({ data: { userId: s.user.id, teamId: s.team.id, role: "viewer" } }),
      ],
      [
        "Session.tokenHash",
        () =>
          p.session.create({
            data: { tokenHash: s.session.tokenHash, userId: s.user.id, expiresAt: new Date() },
          }),
      ],
      [
        "ApiToken.tokenHash",
        () =>
          p.apiToken.create({
            data: { name: "x", prefix: "x", tokenHash: s.apiToken.tokenHash, userId: s.user.id },
          }),
      ],
      [
        "Catalog(team,name)",
        () => p.catalog.create({ data: { teamId: s.team.id, name: "base", sourceKind: "git" } }),
      ],
      [
        "CatalogVersion(catalog,sha256)",
        () =>
          p.catalogVersion.create({
            data: {
              catalogId: s.catalog.id,
              sha256: s.catalogVersion.sha256,
              storageKey: "x",
              sizeBytes: 1,
              elementCount: 0,
            },
          }),
      ],
      [
        "CatalogElement(version,name)",
        () =>
          p.catalogElement.create({
            data: { catalogVersionId: s.catalogVersion.id, name: "debian" },
          }),
      ],
      ["Recipe(team,name)", () => p.recipe.create({ data: { teamId: s.team.id, name: "web" } })],
      [
        "RecipeVersion(recipe,version)",
        () =>
          p.recipeVersion.create({
            data: { recipeId: s.recipe.id, version: 1, elements: "[]", outputTypes: "[]" },
          }),
      ],
      [
        "RecipeVersionCatalog(version,position)",
        () =>
          p.recipeVersionCatalog.create({
            data: {
              recipeVersionId: s.recipeVersion.id,
              catalogVersionId: s.catalogVersion.id,
              position: 0,
            },
          }),
      ],
      ["Build.number", () => p.build.create({ data: { number: s.build.number, request: "{}" } })],
      [
        "BuildEvent(build,seq)",
        () => p.buildEvent.create({ data: { buildId: s.build.id, seq: 0, type: "x", data: "{}" } }),
      ],
      [
        "LogChunk(build,seq)",
        () =>
          p.logChunk.create({
            data: { buildId: s.build.id, seq: 0, offset: 9, data: new Uint8Array() },
          }),
      ],
      [
        "Artifact(build,fileName)",
        () => p.artifact.create({ data: { ...s.artifact, id: undefined } }),
      ],
      ["Agent.name", () => p.agent.create({ data: { name: s.agent.name, arch: "arm64" } })],
      [
        "Agent.secretHash",
        () =>
          p.agent.create({
            data: { name: "other-uniq", arch: "arm64", secretHash: s.agent.secretHash },
          }),
      ],
      [
        "AgentRegistrationToken.tokenHash",
        () =>
          p.agentRegistrationToken.create({
            data: { tokenHash: s.regToken.tokenHash, expiresAt: new Date() },
          }),
      ],
      ["Setting.key", () => p.setting.create({ data: { key: s.setting.key, value: "x" } })],
    ];
    for (const [name, attempt] of attempts) {
      const err = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(
        isUniqueViolation(err),
        `${name} accepted a duplicate or failed otherwise: ${String(err)}`,
      ).toBe(true);
    }
  });

  it.skipIf(skipReason)(
    "cascades deletes down the ownership tree and nulls loose references",
    async () => {
      const s = await seed(db, "cascade");
      const p = db.prisma;
      // A catalog version still in a recipe's elements path cannot go (Restrict).
      await expect(
        p.catalogVersion.delete({ where: { id: s.catalogVersion.id } }),
      ).rejects.toThrow();

      await p.build.delete({ where: { id: s.build.id } });
      expect(await p.buildHook.count({ where: { buildId: s.build.id } })).toBe(0);
      expect(await p.buildEvent.count({ where: { buildId: s.build.id } })).toBe(0);
      expect(await p.logChunk.count({ where: { buildId: s.build.id } })).toBe(0);
      expect(await p.artifact.count({ where: { buildId: s.build.id } })).toBe(0);

      const s2 = await seed(db, "cascade2");
      await p.team.delete({ where: { id: s2.team.id } });
      expect(await p.membership.count({ where: { teamId: s2.team.id } })).toBe(0);
      expect(await p.catalog.count({ where: { id: s2.catalog.id } })).toBe(0);
      expect(await p.catalogElement.count({ where: { id: s2.element.id } })).toBe(0);
      expect(await p.recipeVersion.count({ where: { id: s2.recipeVersion.id } })).toBe(0);
      expect(
        await p.recipeVersionCatalog.count({ where: { recipeVersionId: s2.recipeVersion.id } }),
      ).toBe(0);
      // Builds are history: they outlive their team, recipe and agent.
      const orphan = await p.build.findUniqueOrThrow({ where: { id: s2.build.id } });
      expect([orphan.teamId, orphan.recipeId, orphan.recipeVersionId]).toEqual([null, null, null]);
      await p.agent.delete({ where: { id: s2.agent.id } });
      await p.user.delete({ where: { id: s2.user.id } });
      const after = await p.build.findUniqueOrThrow({ where: { id: s2.build.id } });
      expect([after.agentId, after.requestedById]).toEqual([null, null]);
      expect(await p.session.count({ where: { userId: s2.user.id } })).toBe(0);
      expect(await p.apiToken.count({ where: { userId: s2.user.id } })).toBe(0);
      expect(
        (await p.auditEvent.findUniqueOrThrow({ where: { id: s2.audit.id } })).actorId,
      ).toBeNull();
    },
  );

  it.skipIf(skipReason)("assigns a queued build once even when two claims race", async () => {
    const s = await seed(db, "claim");
    await db.prisma.build.update({
      where: { id: s.build.id },
      data: { status: "QUEUED", agentId: null },
    });
    const claim = () =>
      db.prisma.build.updateMany({
        where: { id: s.build.id, status: "QUEUED" },
        data: { status: "ASSIGNED", agentId: s.agent.id, assignedAt: new Date() },
      });
    const results = await Promise.all([claim(), claim()]);
    expect(results.map((r) => r.count).sort()).toEqual([0, 1]);
  });
});
