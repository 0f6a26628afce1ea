import path from "node:path";
import { beforeAll, expect, it } from "vitest";
import type { Actor } from "../../context.ts";
import {
  createCatalogTestServer,
  sampleElements,
  tarGz,
  writeTree,
} from "../../testing/catalog-test-server.ts";
import { importCatalogUpload } from "../catalogs/import-catalog-upload.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { seedTwoTeams } from "../../testing/seed-two-teams.ts";
import { getRecipeVersionForBuild } from "./find-recipes.ts";

describeEachProvider("recipes", (provider) => {
  const s = useFixture(provider, createCatalogTestServer);
  let alice: Actor;
  let vera: Actor;
  let bob: Actor;
  let teamId: string;
  let otherTeamId: string;
  let cv: string;
  let recipeId: string;

  beforeAll(async () => {
    ({ alice, vera, bob, teamId, otherTeamId } = await seedTwoTeams(s));
    const src = writeTree(
      path.join(s.tmp, "src"),
      sampleElements({ "noos/README.md": "# noos\n", "noos/element-deps": "tools\n" }),
    );
    const body = tarGz(src, path.join(s.tmp, "c.tgz"));
    const res = await importCatalogUpload(s.deps, alice, {
      target: { teamId, name: "red" },
      body: (async function* () {
        yield body;
      })(),
      fileName: "c.tgz",
    });
    cv = res.version.id;
  });

  const version = (over: Record<string, unknown> = {}) => ({
    elements: ["myos", "web"],
    outputTypes: ["qcow2" as const],
    catalogVersionIds: [cv],
    env: [
      { name: "DIB_RELEASE", value: "bookworm" },
      { name: "DIB_DEV_USER_PASSWORD", value: "hunter2", secret: true },
    ],
    agentLabels: { kvm: "yes" },
    ...over,
  });

  it("refuses a recipe that does not resolve, naming the field, and saves nothing", async () => {
    const r = s.caller(alice).recipes;
    await expect(
      r.create({ teamId, name: "web", version: version({ elements: ["myos", "broken"] }) }),
    ).rejects.toMatchObject({
      message: "Element 'nowhere-to-be-found' not found (required by 'broken')",
      cause: { field: "elements" },
    });
    await expect(
      r.create({ teamId, name: "web", version: version({ elements: ["noos"] }) }),
    ).rejects.toMatchObject({
      message: "Please include an operating system element",
      cause: { field: "elements" },
    });
    await expect(
      r.create({
        teamId,
        name: "web",
        version: version({ env: [{ name: "dib_release", value: "x" }] }),
      }),
    ).rejects.toMatchObject({ cause: { field: "env.0.name" } });
    await expect(
      r.create({
        teamId,
        name: "web",
        version: version({ env: [{ name: "MOTD", value: "a\nb" }] }),
      }),
    ).rejects.toMatchObject({ cause: { field: "env.0.value" } });
    expect(await s.deps.db.prisma.recipe.count()).toBe(0);
    // The editor's live check reports the same thing without throwing.
    const live = await r.validate({ teamId, version: version({ elements: ["noos"] }) });
    expect(live).toEqual({
      ok: false,
      error: { message: "Please include an operating system element", field: "elements" },
    });

    const created = await r.create({ teamId, name: "web", version: version() });
    recipeId = created.recipeId;
    expect(created.version.version).toBe(1);
    expect(created.version.elements).toEqual(["myos", "web"]);
  });

  it("never returns a secret's value, but builds get it", async () => {
    const r = s.caller(alice).recipes;
    const views = [
      JSON.stringify(await r.get({ recipeId })),
      JSON.stringify(await r.versions({ recipeId })),
      JSON.stringify(await r.list()),
    ];
    for (const v of views) expect(v).not.toContain("hunter2");
    const got = await r.get({ recipeId });
    expect(got.current?.env).toContainEqual({
      name: "DIB_DEV_USER_PASSWORD",
      secret: true,
      multiline: false,
    });
    expect(got.current?.env).toContainEqual({
      name: "DIB_RELEASE",
      value: "bookworm",
      secret: false,
      multiline: false,
    });
    const row = await s.deps.db.prisma.recipeVersion.findFirstOrThrow({ where: { recipeId } });
    expect(row.env).not.toContain("hunter2");

    // Saving without the value keeps it; a new value changes it; the diff says so, no values.
    const v2 = await r.save({
      recipeId,
      baseVersion: 1,
      ...version({
        env: [
          { name: "DIB_RELEASE", value: "trixie" },
          { name: "DIB_DEV_USER_PASSWORD", secret: true },
        ],
        elements: ["myos", "web", "tools"],
      }),
    });
    expect(v2.version).toBe(2);
    expect((await getRecipeVersionForBuild(s.deps, v2.id)).env.DIB_DEV_USER_PASSWORD).toBe(
      "hunter2",
    );
    const d12 = await r.diff({ recipeId, from: 1, to: 2 });
    expect(d12.elements).toEqual({ added: ["tools"], removed: [], orderChanged: false });
    expect(d12.env).toEqual([
      { name: "DIB_RELEASE", change: "changed", secret: false, from: "bookworm", to: "trixie" },
    ]);
    const v3 = await r.save({
      recipeId,
      ...version({
        env: [{ name: "DIB_DEV_USER_PASSWORD", value: "correct horse", secret: true }],
        outputTypes: ["raw"],
      }),
    });
    const d23 = await r.diff({ recipeId, from: 2, to: 3 });
    expect(d23.env).toEqual([
      { name: "DIB_DEV_USER_PASSWORD", change: "changed", secret: true },
      { name: "DIB_RELEASE", change: "removed", secret: false, from: "trixie" },
    ]);
    expect(d23.outputTypes).toEqual({ added: ["raw"], removed: ["qcow2"] });
    expect(JSON.stringify(d23)).not.toContain("correct horse");
    expect((await getRecipeVersionForBuild(s.deps, v3.id)).env.DIB_DEV_USER_PASSWORD).toBe(
      "correct horse",
    );
    // A secret with no earlier value cannot be saved empty.
    await expect(
      r.save({ recipeId, ...version({ env: [{ name: "NEW_TOKEN", secret: true }] }) }),
    ).rejects.toMatchObject({ cause: { field: "env.0.value" } });
    // A stale editor cannot overwrite a newer version.
    await expect(r.save({ recipeId, baseVersion: 1, ...version() })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("keeps private recipes from other teams and edits from viewers", async () => {
    await expect(s.caller(bob).recipes.get({ recipeId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await s.caller(bob).recipes.list()).map((x) => x.id)).not.toContain(recipeId);
    await expect(s.caller(bob).recipes.diff({ recipeId, from: 1, to: 2 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const asViewer = await s.caller(vera).recipes.get({ recipeId });
    expect(asViewer.canEdit).toBe(false);
    await expect(s.caller(vera).recipes.save({ recipeId, ...version() })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      s.caller(vera).recipes.create({ teamId, name: "v", version: version() }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      s.caller(vera).recipes.update({ recipeId, visibility: "public" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Bob's team cannot build on red's private catalog either.
    await expect(
      s.caller(bob).recipes.create({ teamId: otherTeamId, name: "steal", version: version() }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", cause: { field: "catalogVersionIds.0" } });

    await s.caller(alice).recipes.update({ recipeId, visibility: "public" });
    const pub = await s.caller(bob).recipes.get({ recipeId });
    expect(pub.canEdit).toBe(false);
    expect(JSON.stringify(pub)).not.toContain("correct horse");
    await expect(s.caller(bob).recipes.save({ recipeId, ...version() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
