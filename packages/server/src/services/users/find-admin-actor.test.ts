import { expect } from "vitest";
import { createTestServer } from "../../testing/identity-test-server.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createUser } from "./create-user.ts";
import { findAdminActor } from "./find-admin-actor.ts";

describeEachProvider("findAdminActor", (provider, run) => {
  const s = useFixture(provider, createTestServer);

  const make = (email: string, role: "admin" | "user") =>
    createUser(s.deps, null, { email, role, password: "a long enough password" });

  run("names the first enabled administrator, or the one asked for", async () => {
    expect(await findAdminActor(s.deps)).toBeNull();
    await make("user@example.com", "user");
    expect(await findAdminActor(s.deps)).toBeNull();
    const first = await make("first@example.com", "admin");
    const second = await make("second@example.com", "admin");
    expect(await findAdminActor(s.deps)).toEqual({
      userId: first.id,
      email: "first@example.com",
      role: "admin",
    });
    expect(await findAdminActor(s.deps, "Second@Example.com")).toMatchObject({
      userId: second.id,
    });
    await s.deps.db.prisma.user.update({ where: { id: first.id }, data: { disabled: true } });
    expect((await findAdminActor(s.deps))?.userId).toBe(second.id);
    await expect(findAdminActor(s.deps, "first@example.com")).rejects.toMatchObject({
      code: "FORBIDDEN",
      field: "email",
    });
    await expect(findAdminActor(s.deps, "user@example.com")).rejects.toThrow(
      "user@example.com is not an enabled administrator",
    );
    await expect(findAdminActor(s.deps, "nobody@example.com")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
