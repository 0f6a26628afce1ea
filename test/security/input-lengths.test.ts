/**
 * Over-long names over real HTTP: a catalog archive whose member paths are
 * longer than the filesystem allows, and an agent's artifact with a
 * 300-character name, are the caller's mistake (400), never a server error.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { createTeam } from "@kiln/server/services/teams/create-team";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { createFixture, type TFixture } from "@kiln/server/testing/builds-fixture";
import { tarEntry, tarOf } from "@kiln/server/testing/catalog-test-server";
import { registerOverHttp } from "@kiln/server/testing/fake-agent";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { testProviders } from "@kiln/db/testing";
import { bearer } from "./support/trpc-over-http.ts";

/** A pax extended header giving the next entry the path `name` (any length). */
function paxPath(name: string): Buffer {
  const field = ` path=${name}\n`;
  let length = field.length;
  while (`${length}${field}`.length !== length) length = `${length}${field}`.length;
  return tarEntry("PaxHeader", { type: "x", body: `${length}${field}` });
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("over-long names", () => {
  let f: TFixture;
  let server: TApiServer;
  let member: Record<string, string>;
  let teamId: string;

  beforeAll(async () => {
    f = await createFixture(testProviders(undefined)[0]!);
    server = await startApiServer({ deps: f.deps });
    teamId = (await createTeam(f.deps, f.users.alice, { slug: "long", name: "Long" })).id;
    const { token } = await createApiToken(f.deps, null, {
      userId: f.users.alice.userId,
      name: "uploads",
      scopes: ["read", "write"],
    });
    member = bearer(token);
  });
  afterAll(async () => {
    await server.close();
    await f.close();
  });

  const upload = (name: string, archive: Buffer) =>
    fetch(`${server.url}/api/catalogs/upload?teamId=${teamId}&name=${name}`, {
      method: "POST",
      headers: { ...member, "content-type": "application/x-tar" },
      body: archive,
    });

  it("refuses catalog archive members whose path or name is too long, with 400", async () => {
    const deep = `el/${`${"d".repeat(200)}/`.repeat(25)}hook`;
    const wide = `el/${"n".repeat(300)}`;
    for (const [name, path] of [
      ["deep", deep],
      ["wide", wide],
    ] as const) {
      const res = await upload(name, tarOf(paxPath(path), tarEntry("x", { body: "echo hi\n" })));
      const body = (await res.json()) as { error: string | { message: string } };
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(body)).toMatch(/longer than (1024|255) bytes/);
    }
    expect(await f.db.prisma.catalog.count({ where: { teamId } })).toBe(0);
  });

  it("refuses an agent's artifact with a 300-character name, with 400", async () => {
    const { token } = await createRegistrationToken(f.deps, f.users.admin, { labels: {} });
    const registered = await registerOverHttp(server.url, token, "long-names-agent");
    expect(registered.status).toBe(200);
    const { agentId, agentSecret } = registered.body;
    const build = await f.caller(f.users.alice).builds.create({
      recipeVersionId: f.recipeVersionId,
    });
    // Assigned to this agent and running, as the dispatcher and ACCEPT would leave it.
    await f.db.prisma.build.update({
      where: { id: build.id },
      data: { agentId, status: "RUNNING" },
    });
    const image = Buffer.from("an image");
    const res = await fetch(
      `${server.url}/api/agents/builds/${build.id}/artifacts/${"a".repeat(300)}.qcow2`,
      {
        method: "PUT",
        // The right hash: a wrong one would be refused before the name is ever used.
        headers: { authorization: `Bearer ${agentSecret}`, "x-kiln-sha256": sha256(image) },
        body: image,
      },
    );
    expect(res.status).toBe(400);
    expect(await f.db.prisma.artifact.count({ where: { buildId: build.id } })).toBe(0);
  });
});
