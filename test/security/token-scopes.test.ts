/**
 * API token scopes over real HTTP: `admin` lets an administrator's token see
 * and reach administrator procedures, but no change goes through without
 * `write`, whichever procedure or route makes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarEntry, tarOf } from "@kiln/server/testing/catalog-test-server";
import { createTeam } from "@kiln/server/services/teams/create-team";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { createUser } from "@kiln/server/services/users/create-user";
import { bearer, mutate, query } from "./support/trpc-over-http.ts";
import { startThrowawayServer, type TThrowawayServer } from "./support/throwaway-server.ts";

describe("API token scopes", () => {
  let server: TThrowawayServer;
  let readAdmin: Record<string, string>;
  let fullAdmin: Record<string, string>;
  let teamId: string;

  beforeAll(async () => {
    server = await startThrowawayServer();
    const admin = await createUser(server.deps, null, {
      email: "root@example.com",
      role: "admin",
      password: "root's long password",
    });
    const token = async (scopes: string[]) =>
      bearer(
        (
          await createApiToken(server.deps, null, {
            userId: admin.id,
            name: scopes.join("+"),
            scopes,
          })
        ).token,
      );
    readAdmin = await token(["read", "admin"]);
    fullAdmin = await token(["read", "write", "admin"]);
    const actor = { userId: admin.id, email: admin.email, role: "admin" as const };
    teamId = (await createTeam(server.deps, actor, { slug: "ops", name: "Ops" })).id;
  });
  afterAll(() => server.close());

  it("a read,admin token reads what an administrator may read", async () => {
    const users = await query(server.url, "users.list", undefined, { headers: readAdmin });
    expect(users.status).toBe(200);
  });

  it("a read,admin token cannot create users or teams, or change anything else", async () => {
    const headers = readAdmin;
    const attempts = [
      mutate(
        server.url,
        "users.create",
        { email: "made-by-ro@example.com", role: "admin", password: "a long password here" },
        { headers },
      ),
      mutate(server.url, "teams.create", { slug: "ro-team", name: "RO" }, { headers }),
      mutate(server.url, "tokens.create", { name: "more", scopes: ["read"] }, { headers }),
      mutate(server.url, "agents.createRegistrationToken", { labels: {} }, { headers }),
    ];
    for (const answer of await Promise.all(attempts)) expect(answer.status).toBe(403);
    const emails = (await server.deps.db.prisma.user.findMany()).map((user) => user.email);
    expect(emails).not.toContain("made-by-ro@example.com");
    expect(await server.deps.db.prisma.team.count({ where: { slug: "ro-team" } })).toBe(0);
  });

  it("a read,admin token cannot upload a catalog", async () => {
    const archive = tarOf(tarEntry("el/README.md", { body: "hello" }));
    const res = await fetch(`${server.url}/api/catalogs/upload?teamId=${teamId}&name=ro-cat`, {
      method: "POST",
      headers: { ...readAdmin, "content-type": "application/x-tar" },
      body: archive,
    });
    expect(res.status).toBe(403);
    expect(await server.deps.db.prisma.catalog.count({ where: { name: "ro-cat" } })).toBe(0);
  });

  it("with write as well, the same changes go through", async () => {
    const created = await mutate(
      server.url,
      "teams.create",
      { slug: "rw-team", name: "RW" },
      { headers: fullAdmin },
    );
    expect(created.status).toBe(200);
  });
});
