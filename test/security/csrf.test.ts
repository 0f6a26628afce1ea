/**
 * Cross-site request forgery: with the user's cookie, requests from another
 * origin (even of the same site, where SameSite=Lax still sends the cookie)
 * or without Kiln's CSRF header are refused — mutations, multipart uploads
 * and a form-posted logout — while the dashboard's own requests and API
 * tokens keep working.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSecurityServer, type TSecurityServer } from "./support/security-server.ts";

const EVIL = "http://evil.kiln.test:3000";

describe("cross-site requests with the session cookie", () => {
  let server: TSecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function createTeam(cookie: string, headers: Record<string, string>, slug: string) {
    return fetch(`${server!.url}/api/trpc/teams.create`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, ...headers },
      body: JSON.stringify({ json: { slug, name: slug } }),
    });
  }

  it("refuses a mutation from another origin or without the header; accepts the dashboard's", async () => {
    server = await startSecurityServer();
    const cookie = await server.signIn();
    const own = new URL(server.url).origin;
    const refused = [
      await createTeam(cookie, { origin: EVIL, "x-kiln-csrf": "1" }, "evil-a"),
      await createTeam(cookie, { origin: own }, "evil-b"),
      await createTeam(cookie, { referer: `${EVIL}/page` }, "evil-c"),
      await createTeam(cookie, {}, "evil-d"),
    ];
    expect(refused.map((response) => response.status)).toEqual([403, 403, 403, 403]);
    expect(await refused[0]!.text()).toContain("cross-site request refused");
    expect(
      await server.deps.db.prisma.team.count({ where: { slug: { startsWith: "evil" } } }),
    ).toBe(0);

    const fromDashboard = await createTeam(cookie, { origin: own, "x-kiln-csrf": "1" }, "ours");
    expect(fromDashboard.status, await fromDashboard.clone().text()).toBe(200);
    const viaReferer = await createTeam(
      cookie,
      { referer: `${own}/teams`, "x-kiln-csrf": "1" },
      "ours-2",
    );
    expect(viaReferer.status).toBe(200);
  });

  it("refuses a cross-origin multipart catalog upload", async () => {
    server = await startSecurityServer();
    const cookie = await server.signIn();
    const team = await server.deps.db.prisma.team.create({
      data: { slug: "alpha", name: "Alpha" },
    });
    const form = new FormData();
    form.set("teamId", team.id);
    form.set("name", "planted");
    form.set("file", new Blob([Buffer.alloc(1024)]), "planted.tar.gz");
    const upload = (headers: Record<string, string>) =>
      fetch(`${server!.url}/api/catalogs/upload`, {
        method: "POST",
        headers: { cookie, ...headers },
        body: form,
      });
    const evil = await upload({ origin: EVIL });
    expect(evil.status).toBe(403);
    expect(await server.deps.db.prisma.catalog.count({ where: { name: "planted" } })).toBe(0);
    // The dashboard's own upload passes the check (and then fails on the archive, not on CSRF).
    const own = await upload({ origin: new URL(server.url).origin, "x-kiln-csrf": "1" });
    expect(own.status).not.toBe(403);
  });

  it("refuses a form-posted logout: the session stays valid", async () => {
    server = await startSecurityServer();
    const cookie = await server.signIn();
    const logout = await fetch(`${server.url}/api/trpc/auth.logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: EVIL },
      body: "x=1",
    });
    expect(logout.status).toBe(403);
    const me = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(200);
  });

  it("follows KILN_PUBLIC_URL's origin when it is configured", async () => {
    server = await startSecurityServer({
      publicUrl: "https://kiln.example.com",
      publicUrlConfigured: true,
    });
    const cookie = await server.signIn();
    const own = new URL(server.url).origin;
    expect((await createTeam(cookie, { origin: own, "x-kiln-csrf": "1" }, "by-host")).status).toBe(
      403,
    );
    const publicOrigin = { origin: "https://kiln.example.com", "x-kiln-csrf": "1" };
    expect((await createTeam(cookie, publicOrigin, "by-public-url")).status).toBe(200);
  });

  it("lets API tokens (no cookie) mutate without Origin or header", async () => {
    server = await startSecurityServer();
    const cookie = await server.signIn();
    const created = await fetch(`${server.url}/api/trpc/tokens.create`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie,
        origin: new URL(server.url).origin,
        "x-kiln-csrf": "1",
      },
      body: JSON.stringify({ json: { name: "ci" } }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const { token } = ((await created.json()) as { result: { data: { json: { token: string } } } })
      .result.data.json;
    const response = await fetch(`${server.url}/api/trpc/teams.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ json: { slug: "by-token", name: "by-token" } }),
    });
    expect(response.status).toBe(200);
  });
});
