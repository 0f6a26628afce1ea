import { expect } from "vitest";
import { createTestServer } from "../../testing/identity-test-server.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createTestActor } from "../../testing/create-test-actor.ts";
import { createRegistrationToken, hashRegistrationToken } from "./create-registration-token.ts";

describeEachProvider("createRegistrationToken", (provider, run) => {
  const s = useFixture(provider, createTestServer);

  run("is made by an administrator, or by the server itself, and audited either way", async () => {
    const admin = await createTestActor(s.deps, "admin", "admin");
    const byAdmin = await createRegistrationToken(s.deps, admin, { labels: { pool: "ci" } });
    const byServer = await createRegistrationToken(s.deps, null, { ttlHours: 1 });
    const rows = await s.deps.db.prisma.agentRegistrationToken.findMany({
      where: { id: { in: [byAdmin.id, byServer.id] } },
    });
    expect(rows.find((row) => row.id === byAdmin.id)).toMatchObject({
      createdById: admin.userId,
      tokenHash: hashRegistrationToken(byAdmin.token),
      labels: JSON.stringify({ pool: "ci" }),
    });
    const own = rows.find((row) => row.id === byServer.id)!;
    expect(own.createdById).toBeNull();
    expect(own.expiresAt.getTime() - own.createdAt.getTime()).toBe(3600_000);
    const audit = await s.deps.db.prisma.auditEvent.findMany({
      where: { action: "agent.token.create" },
      orderBy: { at: "asc" },
    });
    expect(audit.map((event) => event.target)).toEqual([
      `agent-token:${byAdmin.id}`,
      `agent-token:${byServer.id}`,
    ]);
    expect(audit[1]).toMatchObject({ actorId: null });
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ via: "server" });
    expect(audit.map((event) => event.details).join()).not.toContain(byServer.token);

    const user = await createTestActor(s.deps, "plain", "user");
    await expect(createRegistrationToken(s.deps, user, {})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  run("refuses a lifetime outside (0, 720] hours, naming the field", async () => {
    for (const ttlHours of [0, -1, 721, Number.NaN]) {
      const made = createRegistrationToken(s.deps, null, { ttlHours });
      await expect(made).rejects.toMatchObject({ code: "INVALID_INPUT", field: "ttlHours" });
      await expect(made).rejects.toThrow(`'${ttlHours}' is not a number of hours in (0, 720]`);
    }
    await expect(createRegistrationToken(s.deps, null, { ttlHours: 720 })).resolves.toMatchObject({
      token: expect.stringMatching(/^kiln_reg_/),
    });
  });
});
