/**
 * teams.addMember over real HTTP must not tell whether an email has a Kiln
 * account: anyone may create a team and would otherwise probe addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam } from "@kiln/server/services/teams/create-team";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { createUser } from "@kiln/server/services/users/create-user";
import { bearer, mutate, query, resultOf } from "./support/trpc-over-http.ts";
import { startThrowawayServer, type TThrowawayServer } from "./support/throwaway-server.ts";

describe("adding team members", () => {
  let server: TThrowawayServer;
  let mallory: Record<string, string>;
  let teamId: string;

  beforeAll(async () => {
    server = await startThrowawayServer();
    const user = async (name: string) =>
      createUser(server.deps, null, {
        email: `${name}@example.com`,
        role: "user",
        password: `${name}'s long password`,
      });
    await user("victim");
    const owner = await user("mallory");
    const actor = { userId: owner.id, email: owner.email, role: "user" as const };
    // Anyone may make a team of their own, and so become its owner.
    teamId = (await createTeam(server.deps, actor, { slug: "probe", name: "Probe" })).id;
    mallory = bearer(
      (await createApiToken(server.deps, null, { userId: owner.id, name: "t" })).token,
    );
  });
  afterAll(() => server.close());

  it("answers alike for an address with an account and one without", async () => {
    const add = (email: string) =>
      mutate(
        server.url,
        "teams.addMember",
        { teamId, email, role: "viewer" },
        { headers: mallory },
      );
    const known = await add("victim@example.com");
    const unknown = await add("nobody@example.com");
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    expect(known.status).toBe(200);

    // The owner sees who actually became a member, as any member may.
    const team = resultOf<{ members: { email: string }[] }>(
      await query(server.url, "teams.get", { teamId }, { headers: mallory }),
    );
    expect(team.members.map((member) => member.email).sort()).toEqual([
      "mallory@example.com",
      "victim@example.com",
    ]);
  });
});
