/**
 * `agents.list` over the real /api: every signed-in user sees that agents
 * exist, but an agent's pool, labels and host facts only administrators and
 * the teams that may use its pool. A real server on 127.0.0.1, API tokens.
 */
import { expect } from "vitest";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { describeEachProvider, useFixture } from "@kiln/server/testing/describe-each-provider";
import { connectPoolAgent, createServedFixture } from "@kiln/server/testing/tenancy-fixture";

interface TListed {
  name: string;
  details: boolean;
  pool: { name: string } | null;
  labels: Record<string, string>;
  hostFacts: Record<string, unknown>;
}

describeEachProvider("agent details", (provider, run) => {
  const f = useFixture(provider, (p) => createServedFixture(p));

  /** agents.list as the user with this id, over HTTP with an API token of `scopes`. */
  async function listAs(userId: string, scopes = ["read"]): Promise<Record<string, TListed>> {
    const { token } = await createApiToken(f.deps, null, { userId, name: "list", scopes });
    const res = await fetch(`${f.server.url}/api/trpc/agents.list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { json: TListed[] } } };
    return Object.fromEntries(body.result.data.json.map((agent) => [agent.name, agent]));
  }

  run("labels and host facts only for administrators and the pool's teams", async () => {
    await f.caller(f.users.admin).pools.create({ name: "b-private", teamId: f.teamB });
    const bAgent = await connectPoolAgent(f, f.server.url, "b-builder", {
      pool: "b-private",
      labels: { rack: "b7" },
    });
    const sharedAgent = await connectPoolAgent(f, f.server.url, "shared-builder", {
      labels: { rack: "s1" },
    });
    const mallory = await f.db.prisma.user.create({ data: { email: "mallory@test" } });

    const asAdmin = await listAs(f.users.admin.userId, ["read", "admin"]);
    expect(asAdmin["b-builder"]).toMatchObject({
      details: true,
      pool: { name: "b-private" },
      labels: { rack: "b7" },
      hostFacts: { hostname: "b-builder" },
    });
    const asBob = await listAs(f.users.bob.userId);
    expect(asBob["b-builder"]).toMatchObject({ details: true, labels: { rack: "b7" } });
    // Alice's team may use the default pool, not team B's.
    const asAlice = await listAs(f.users.alice.userId);
    expect(asAlice["shared-builder"]).toMatchObject({ details: true, labels: { rack: "s1" } });
    expect(asAlice["b-builder"]).toMatchObject({
      details: false,
      pool: null,
      labels: {},
      hostFacts: {},
    });
    // In no team: the agents' names and states, nothing about their hosts.
    const asMallory = await listAs(mallory.id);
    for (const name of ["b-builder", "shared-builder"]) {
      expect(asMallory[name]).toMatchObject({ details: false, labels: {}, hostFacts: {} });
    }
    expect(JSON.stringify(asMallory)).not.toContain("Debian");
    bAgent.agent.ws.close();
    sharedAgent.agent.ws.close();
  });
});
