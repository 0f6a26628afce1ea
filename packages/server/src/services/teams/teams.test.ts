import { beforeAll, expect, it } from "vitest";
import type { Actor } from "../../context.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createTestActor } from "../../testing/create-test-actor.ts";
import { createTestServer } from "../../testing/identity-test-server.ts";

describeEachProvider("teams", (provider) => {
  const s = useFixture(provider, createTestServer);
  const people: Record<string, Actor> = {};
  let teamId = "";
  beforeAll(async () => {
    for (const name of ["olga", "oscar", "mia", "max", "vic", "nina"])
      people[name] = await createTestActor(s.deps, name);
  });
  const as = (name: string) => s.caller(people[name]);
  const refused = (call: Promise<unknown>, code: string) =>
    expect(call).rejects.toMatchObject({ code });
  const id = (name: string) => people[name]!.userId;

  it("makes the creator the owner", async () => {
    const team = await as("olga").teams.create({ slug: "platform", name: "Platform" });
    teamId = team.id;
    expect(await as("olga").teams.list()).toEqual([
      expect.objectContaining({ slug: "platform", myRole: "owner", memberCount: 1 }),
    ]);
    await refused(as("nina").teams.create({ slug: "platform", name: "Again" }), "CONFLICT");
    await refused(as("nina").teams.create({ slug: "Bad Slug", name: "x" }), "BAD_REQUEST");
  });

  it("lets owners and maintainers manage members within the rules", async () => {
    await as("olga").teams.addMember({ teamId, email: "MIA@example.com", role: "maintainer" });
    await as("mia").teams.addMember({ teamId, email: "max@example.com", role: "member" });
    await as("mia").teams.addMember({ teamId, email: "vic@example.com", role: "viewer" });
    // Only an owner makes owners.
    await refused(
      as("mia").teams.addMember({ teamId, email: "oscar@example.com", role: "owner" }),
      "FORBIDDEN",
    );
    await refused(
      as("mia").teams.setMemberRole({ teamId, userId: id("max"), role: "owner" }),
      "FORBIDDEN",
    );
    await refused(
      as("mia").teams.setMemberRole({ teamId, userId: id("mia"), role: "owner" }),
      "FORBIDDEN",
    );
    // Maintainers cannot touch owners.
    await refused(
      as("mia").teams.setMemberRole({ teamId, userId: id("olga"), role: "member" }),
      "FORBIDDEN",
    );
    await refused(as("mia").teams.removeMember({ teamId, userId: id("olga") }), "FORBIDDEN");
    // Members and viewers manage nothing.
    await refused(
      as("max").teams.addMember({ teamId, email: "nina@example.com", role: "viewer" }),
      "FORBIDDEN",
    );
    await refused(
      as("vic").teams.setMemberRole({ teamId, userId: id("vic"), role: "member" }),
      "FORBIDDEN",
    );
    // Outsiders do not even learn the team exists.
    await refused(as("nina").teams.get({ teamId }), "NOT_FOUND");
    await refused(
      as("nina").teams.addMember({ teamId, email: "nina@example.com", role: "owner" }),
      "NOT_FOUND",
    );
    await refused(
      as("olga").teams.addMember({ teamId, email: "max@example.com", role: "viewer" }),
      "CONFLICT",
    );
    // An unknown address is answered like a known one, and adds nobody.
    await expect(
      as("olga").teams.addMember({ teamId, email: "ghost@example.com", role: "viewer" }),
    ).resolves.toEqual({ ok: true });
    expect((await as("olga").teams.get({ teamId })).members.map((m) => m.email)).not.toContain(
      "ghost@example.com",
    );

    await as("mia").teams.setMemberRole({ teamId, userId: id("max"), role: "viewer" });
    await as("mia").teams.removeMember({ teamId, userId: id("vic") });
    const team = await as("vic").teams.list();
    expect(team).toEqual([]);
    const detail = await as("max").teams.get({ teamId });
    expect(detail.myRole).toBe("viewer");
    expect(detail.members.map((m) => `${m.email}:${m.role}`)).toEqual([
      "olga@example.com:owner",
      "mia@example.com:maintainer",
      "max@example.com:viewer",
    ]);
  });

  it("keeps the last owner", async () => {
    await expect(
      as("olga").teams.setMemberRole({ teamId, userId: id("olga"), role: "maintainer" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: /last owner/,
    });
    await expect(
      as("olga").teams.removeMember({ teamId, userId: id("olga") }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    // With a second owner, the first may step down.
    await as("olga").teams.addMember({ teamId, email: "oscar@example.com", role: "owner" });
    await as("olga").teams.setMemberRole({ teamId, userId: id("olga"), role: "maintainer" });
    await refused(as("oscar").teams.removeMember({ teamId, userId: id("oscar") }), "CONFLICT");
    // Anyone may leave.
    await as("max").teams.removeMember({ teamId, userId: id("max") });
    const members = (await as("oscar").teams.get({ teamId })).members.map((m) => m.email);
    expect(members).not.toContain("max@example.com");
  });

  it("audits membership changes", async () => {
    const events = await s.deps.db.prisma.auditEvent.findMany({
      where: { target: `team:${teamId}` },
      orderBy: [{ at: "asc" }, { id: "asc" }],
    });
    const summary = events.map((e) => {
      const d = JSON.parse(e.details) as Record<string, string>;
      if (e.action === "team.create") return e.action;
      return `${e.action} ${d.role ?? `${d.from}->${d.to}`}`;
    });
    expect(summary).toEqual(
      expect.arrayContaining([
        "team.create",
        "membership.add maintainer",
        "membership.role member->viewer",
        "membership.remove viewer",
        "membership.role owner->maintainer",
        "membership.leave viewer",
      ]),
    );
    const role = events.find((e) => e.action === "membership.role" && e.details.includes("owner"));
    expect(role?.actorId).toBe(id("olga"));
  });

  it("lets an admin manage any team", async () => {
    const api = s.caller(await createTestActor(s.deps, "root", "admin"));
    expect((await api.teams.list()).map((t) => t.slug)).toContain("platform");
    await api.teams.setMemberRole({ teamId, userId: id("mia"), role: "owner" });
    expect((await api.teams.get({ teamId })).myRole).toBe("owner");
    await refused(api.teams.get({ teamId: "missing" }), "NOT_FOUND");
  });
});
