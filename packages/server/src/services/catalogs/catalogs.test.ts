import fs from "node:fs";
import path from "node:path";
import { beforeAll, expect, it } from "vitest";
import type { Actor } from "../../context.ts";
import {
  createCatalogTestServer,
  git,
  sampleElements,
  tarEntry,
  tarGz,
  tarOf,
  writeTree,
} from "../../testing/catalog-test-server.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { seedTwoTeams } from "../../testing/seed-two-teams.ts";
import { handleCatalogUpload } from "./handle-catalog-upload.ts";
import { BUILTIN_CATALOG_ID, registerBuiltinCatalog } from "./manage-catalogs.ts";

describeEachProvider("catalogs", (provider) => {
  const s = useFixture(provider, createCatalogTestServer);
  let admin: Actor;
  let alice: Actor;
  let vera: Actor;
  let bob: Actor;
  let teamId: string;
  let otherTeamId: string;

  beforeAll(async () => {
    admin = await s.user("admin@example.com", true);
    ({ alice, vera, bob, teamId, otherTeamId } = await seedTwoTeams(s));
  });

  const upload = (actor: Actor | undefined, body: Buffer, query: Record<string, string>) =>
    handleCatalogUpload(
      s.deps,
      actor,
      new Request(`http://kiln.test/api/catalogs/upload?${new URLSearchParams(query)}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/gzip", "content-length": String(body.length) },
      }),
    );

  it("registers the built-in catalog once, however often the server starts", async () => {
    const first = await registerBuiltinCatalog(s.deps);
    const second = await registerBuiltinCatalog(s.deps);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.version.id).toBe(first.version.id);
    expect(await s.deps.db.prisma.catalog.count({ where: { id: BUILTIN_CATALOG_ID } })).toBe(1);
    expect(
      await s.deps.db.prisma.catalogVersion.count({ where: { catalogId: BUILTIN_CATALOG_ID } }),
    ).toBe(1);
    expect(await s.deps.store.stat(`catalogs/${first.version.sha256}.tar.gz`)).not.toBeNull();
    // Every signed-in user sees it, and its elements were parsed by the engine.
    const list = await s.caller(bob).catalogs.list();
    expect(list.map((c) => c.name)).toContain("builtin");
    const els = await s.caller(bob).elements.list({ catalogVersionId: first.version.id });
    expect(els.map((e) => e.name)).toContain("base");
    expect(els.length).toBe(first.version.elementCount);
  });

  it("imports an uploaded tarball; the same content again is the same version", async () => {
    const src = writeTree(path.join(s.tmp, "upload-src", "elements"), sampleElements());
    // Archived with its top directory: the importer enters it.
    const body = tarGz(path.dirname(src), path.join(s.tmp, "good.tgz"));
    const res = await upload(alice, body, { teamId, name: "red-elements", fileName: "good.tgz" });
    expect(res.status).toBe(201);
    const json = (await res.json()) as {
      catalogId: string;
      version: { id: string; sha256: string; elementCount: number };
      created: boolean;
    };
    expect(json.created).toBe(true);
    expect(json.version.elementCount).toBe(5);

    const again = await upload(alice, body, { catalogId: json.catalogId });
    expect(again.status).toBe(200);
    const json2 = (await again.json()) as typeof json;
    expect(json2.version.id).toBe(json.version.id);
    expect(
      await s.deps.db.prisma.catalogVersion.count({ where: { catalogId: json.catalogId } }),
    ).toBe(1);

    // The same tree without the top directory has the same identity.
    const flat = tarGz(src, path.join(s.tmp, "flat.tgz"));
    const res3 = await upload(alice, flat, { catalogId: json.catalogId });
    expect(((await res3.json()) as typeof json).version.id).toBe(json.version.id);

    // Element detail: hooks with source, packages, README, graph edges.
    const el = await s
      .caller(vera)
      .elements.get({ catalogVersionId: json.version.id, name: "web" });
    expect(el.deps).toEqual(["tools"]);
    expect(el.hooks).toEqual([
      {
        phase: "install.d",
        scripts: [
          expect.objectContaining({ name: "20-web", source: expect.stringContaining("echo hi") }),
        ],
      },
    ]);
    expect(el.environment[0]?.source).toContain("WEB_PORT");
    expect(el.readme).toContain("A web server.");
    expect(el.graph.edges).toContainEqual({ from: "web", to: "tools", kind: "dep" });
    const os = await s
      .caller(vera)
      .elements.get({ catalogVersionId: json.version.id, name: "myos" });
    expect(os.packages.map((x) => x.name).sort()).toEqual(["curl", "vim"]);
    expect(os.graph.edges).toContainEqual({
      from: "myos",
      to: "operating-system",
      kind: "provides",
    });
    const broken = await s
      .caller(vera)
      .elements.get({ catalogVersionId: json.version.id, name: "broken" });
    expect(broken.graph.nodes).toContainEqual({ name: "nowhere-to-be-found", kind: "missing" });
    expect(
      await s.caller(vera).elements.list({ catalogVersionId: json.version.id, search: "ool" }),
    ).toHaveLength(1);

    // Another team cannot see a team catalog's elements.
    await expect(
      s.caller(bob).elements.list({ catalogVersionId: json.version.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Resolution across catalog versions, with DIB's errors on `elements`.
    const r = await s
      .caller(alice)
      .elements.resolve({ catalogVersionIds: [json.version.id], elements: ["myos", "web"] });
    expect(r.elements.map((e) => e.name)).toEqual(["base", "myos", "web", "tools"]);
    await expect(
      s
        .caller(alice)
        .elements.resolve({ catalogVersionIds: [json.version.id], elements: ["myos", "broken"] }),
    ).rejects.toThrow("Element 'nowhere-to-be-found' not found (required by 'broken')");
  });

  const malicious: [string, () => Buffer, number, RegExp][] = [
    [
      "traversal",
      () => tarOf(tarEntry("../etc/passwd", { body: "x" })),
      400,
      /^catalog upload rejected: entry '..\/etc\/passwd' escapes the tree$/,
    ],
    [
      "absolute path",
      () => tarOf(tarEntry("/etc/passwd", { body: "x" })),
      400,
      /entry '\/etc\/passwd' is an absolute path/,
    ],
    [
      "symlink escape",
      () =>
        tarOf(tarEntry("el/", { type: "5" }), tarEntry("el/l", { type: "2", linkname: "../../x" })),
      400,
      /symlink 'el\/l' -> '..\/..\/x' points outside the tree/,
    ],
    [
      "device file",
      () => tarOf(tarEntry("el/dev", { type: "3" })),
      400,
      /entry 'el\/dev' is a device file/,
    ],
    [
      "oversize archive",
      () => tarOf(tarEntry("el/big", { body: "b".repeat(2 << 20) })),
      413,
      /larger than 1048576 bytes/,
    ],
    [
      "too many entries",
      () => tarOf(...Array.from({ length: 30 }, (_, i) => tarEntry(`el/f${i}`, { body: "x" }))),
      400,
      /more than 20 entries/,
    ],
  ];
  for (const [what, make, status, message] of malicious) {
    it(`refuses a malicious upload (${what}) and stores nothing`, async () => {
      const before = await s.deps.db.prisma.catalog.count();
      const saved = s.deps.config;
      s.deps.config = { ...saved, maxCatalogEntries: 20 } as typeof saved;
      try {
        const res = await upload(alice, make(), { teamId, name: `bad-${what.replace(/ /g, "-")}` });
        expect(res.status).toBe(status);
        const body = (await res.json()) as { error: { message: string; field: string } };
        expect(body.error.message).toMatch(message);
        expect(body.error.field).toBe("file");
      } finally {
        s.deps.config = saved;
      }
      expect(await s.deps.db.prisma.catalog.count()).toBe(before);
    });
  }

  it("keeps a team's catalogs from other teams", async () => {
    const blue = await s.caller(bob).catalogs.create({ teamId: otherTeamId, name: "blue-private" });
    expect((await s.caller(alice).catalogs.list()).map((c) => c.name)).not.toContain(
      "blue-private",
    );
    expect((await s.caller(bob).catalogs.list()).map((c) => c.name)).toContain("blue-private");
    await expect(s.caller(alice).catalogs.get({ catalogId: blue.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      s.caller(vera).catalogs.create({ teamId, name: "by-viewer" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("upload needs a signed-in member with write access", async () => {
    const body = tarOf(tarEntry("el/README.md", { body: "x" }));
    expect((await upload(undefined, body, { teamId, name: "x" })).status).toBe(401);
    expect((await upload(vera, body, { teamId, name: "x" })).status).toBe(403);
    expect((await upload(bob, body, { teamId, name: "x" })).status).toBe(404);
    expect((await upload({ ...alice, scopes: ["read"] }, body, { teamId, name: "x" })).status).toBe(
      403,
    );
  });

  it("catalog authors are maintainers: a member builds but may not create or upload", async () => {
    const mel = await s.user("mel@example.com");
    await s.deps.db.prisma.membership.create({
      data: { userId: mel.userId, teamId, role: "member" },
    });
    const body = tarOf(tarEntry("el/README.md", { body: "x" }));
    expect((await upload(mel, body, { teamId, name: "by-member" })).status).toBe(403);
    await expect(
      s.caller(mel).catalogs.create({ teamId, name: "by-member" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await upload(alice, body, { teamId, name: "by-maintainer" })).status).toBe(201);
  });

  it("imports from a local git repository at a ref and subdirectory", async () => {
    const repo = path.join(s.tmp, "repo");
    writeTree(path.join(repo, "dib", "elements"), sampleElements());
    writeTree(repo, { "README.md": "repo\n" });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "one");
    git(repo, "tag", "v1");
    const v1 = git(repo, "rev-parse", "HEAD");
    fs.writeFileSync(path.join(repo, "dib/elements/tools/README.md"), "# tools\n\nChanged.\n");
    git(repo, "commit", "-q", "-am", "two");

    const input = {
      target: { teamId, name: "from-git" },
      url: repo,
      ref: "v1",
      subdir: "dib/elements",
    };
    await expect(s.caller(alice).catalogs.importGit(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const a = await s.caller(admin).catalogs.importGit(input);
    expect(a.created).toBe(true);
    expect(a.version.origin).toBe(v1);
    // The same tree as the upload of the same elements: same identity.
    const uploaded = await s.deps.db.prisma.catalogVersion.findFirst({
      where: { catalog: { name: "red-elements" } },
    });
    expect(a.version.sha256).toBe(uploaded?.sha256);

    const b = await s
      .caller(admin)
      .catalogs.importGit({ ...input, target: { catalogId: a.catalogId }, ref: "main" });
    expect(b.created).toBe(true);
    expect(b.version.sha256).not.toBe(a.version.sha256);
    const c = await s
      .caller(admin)
      .catalogs.importGit({ ...input, target: { catalogId: a.catalogId }, ref: v1 });
    expect(c.created).toBe(false);
    expect(c.version.id).toBe(a.version.id);
    const cat = await s.caller(alice).catalogs.get({ catalogId: a.catalogId });
    expect(cat.versions).toHaveLength(2);
    expect(cat.sourceKind).toBe("git");

    await expect(
      s.caller(admin).catalogs.importGit({ ...input, subdir: "no/such/dir" }),
    ).rejects.toThrow(/'no\/such\/dir' is not a directory at v1/);
    await expect(s.caller(admin).catalogs.importGit({ ...input, subdir: "../x" })).rejects.toThrow(
      /relative path inside/,
    );
    await expect(
      s.caller(admin).catalogs.importGit({ ...input, ref: "--upload-pack=x" }),
    ).rejects.toThrow(/not a branch, tag or commit/);
  });
});
