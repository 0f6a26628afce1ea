import { beforeAll, expect, it } from "vitest";
import type { Actor } from "../../context.ts";
import { resolveActor } from "../../http/http-auth.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createTestServer } from "../../testing/identity-test-server.ts";
import { SESSION_COOKIE } from "../auth/sessions.ts";
import { createTestActor } from "../../testing/create-test-actor.ts";

describeEachProvider("users and audit", (provider) => {
  const s = useFixture(provider, createTestServer);
  let admin: Actor;
  beforeAll(async () => {
    admin = await createTestActor(s.deps, "admin", "admin");
  });

  it("lets an admin create, list, re-role and disable users, never showing hashes", async () => {
    const api = s.caller(admin);
    const carol = await api.users.create({
      email: " Carol@Example.com",
      role: "user",
      password: "carol's password",
    });
    expect(carol).toMatchObject({ email: "carol@example.com", role: "user", disabled: false });
    const list = await api.users.list();
    expect(list.map((u) => u.email)).toEqual(["admin@example.com", "carol@example.com"]);
    expect(JSON.stringify(list)).not.toMatch(/argon2|passwordHash/);
    await expect(
      api.users.create({
        email: "carol@example.com",
        role: "user",
        password: "another password",
      }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(
      api.users.create({ email: "not-an-email", role: "user", password: "another password" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "'not-an-email' is not an email address",
    });
    await expect(
      api.users.create({ email: "d@example.com", role: "user", password: "short" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });

    expect((await api.users.setRole({ userId: carol.id, role: "admin" })).role).toBe("admin");
    expect((await api.users.setRole({ userId: carol.id, role: "user" })).role).toBe("user");

    await s
      .caller(undefined, { ip: "10.1.1.1" })
      .auth.login({ email: "carol@example.com", password: "carol's password" });
    const cookie = `${SESSION_COOKIE}=${s.cookies.get(SESSION_COOKIE)!.value}`;
    expect(await resolveActor(s.deps, { cookie })).toBeDefined();
    expect((await api.users.setDisabled({ userId: carol.id, disabled: true })).disabled).toBe(true);
    // Disabling ends the user's sessions at once.
    expect(await s.deps.db.prisma.session.count({ where: { userId: carol.id } })).toBe(0);
    expect(await resolveActor(s.deps, { cookie })).toBeUndefined();

    const actions = (await api.audit.list({ limit: 200 })).items.map((e) =>
      `${e.action} ${e.details.to ?? ""}`.trim(),
    );
    expect(actions).toEqual(
      expect.arrayContaining(["user.create", "user.role admin", "user.role user", "user.disable"]),
    );
  });

  it("refuses admin-only procedures to users", async () => {
    const u = await createTestActor(s.deps, "dave");
    const dave = s.caller(u);
    await expect(dave.users.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      dave.users.create({ email: "e@example.com", role: "admin", password: "long enough pw" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(dave.users.setRole({ userId: u.userId, role: "admin" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(dave.audit.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(s.caller().users.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("never leaves Kiln without an enabled administrator", async () => {
    const api = s.caller(admin);
    await expect(api.users.setRole({ userId: admin.userId, role: "user" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "admin@example.com is the last administrator",
    });
    await expect(
      api.users.setDisabled({ userId: admin.userId, disabled: true }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const second = await api.users.create({
      email: "admin2@example.com",
      role: "admin",
      password: "admin2 password",
    });
    // Two admins demoting each other at once: one must lose.
    const results = await Promise.allSettled([
      api.users.setRole({ userId: second.id, role: "user" }),
      s.caller({ userId: second.id, email: second.email, role: "admin" }).users.setRole({
        userId: admin.userId,
        role: "user",
      }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await s.deps.db.prisma.user.count({ where: { role: "admin", disabled: false } })).toBe(
      1,
    );
  });

  it("pages the audit log newest first with a cursor", async () => {
    const api = s.caller(admin);
    for (let i = 0; i < 5; i++) {
      s.advance(1000);
      await api.teams.create({ slug: `page-${i}`, name: `Page ${i}` });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.audit.list({
        action: "team.create",
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => String(e.details.slug)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["page-4", "page-3", "page-2", "page-1", "page-0"]);
    const first = (await api.audit.list({ action: "team.create", limit: 1 })).items[0]!;
    expect(first.actor).toEqual({ id: admin.userId, email: "admin@example.com" });
    await expect(api.audit.list({ cursor: "nope" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
