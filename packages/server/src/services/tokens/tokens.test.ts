import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../context.ts";
import { resolveActor } from "../../http/http-auth.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createTestServer } from "../../testing/identity-test-server.ts";
import { hashSecret } from "../auth/secrets.ts";
import { createTestActor } from "../../testing/create-test-actor.ts";
import { parseScopes } from "./api-token-view.ts";
import { createApiToken } from "./create-api-token.ts";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("parseScopes", () => {
  it("accepts known scopes in canonical order and names an unknown one", () => {
    expect(parseScopes("write, read")).toEqual(["read", "write"]);
    expect(() => parseScopes("read,delete")).toThrow(
      "unknown scope 'delete' (scopes are read, write, admin)",
    );
    expect(() => parseScopes("")).toThrow("at least one scope");
  });
});

describeEachProvider("API tokens", (provider) => {
  const s = useFixture(provider, createTestServer);
  let admin: Actor;
  let bob: Actor;
  beforeAll(async () => {
    admin = await createTestActor(s.deps, "admin", "admin");
    bob = await createTestActor(s.deps, "bob");
  });

  it("shows a new token once and stores only its hash and prefix", async () => {
    const created = await s.caller(bob).tokens.create({ name: "ci", scopes: ["read", "write"] });
    expect(created.token).toMatch(/^kiln_[0-9A-Za-z]{40}$/);
    expect(created.view).toMatchObject({
      name: "ci",
      scopes: ["read", "write"],
      prefix: created.token.slice(0, 11),
    });
    const row = await s.deps.db.prisma.apiToken.findUniqueOrThrow({
      where: { id: created.view.id },
    });
    expect(row.tokenHash).toBe(hashSecret(created.token));
    const list = await s.caller(bob).tokens.list();
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(list[0]).not.toHaveProperty("tokenHash");
    const audit = await s.deps.db.prisma.auditEvent.findMany({
      where: { action: "token.create" },
    });
    expect(audit.map((e) => e.target)).toContain(`token:${created.view.id}`);
    expect(audit.map((e) => e.details).join()).not.toContain(created.token);
  });

  it("authenticates by bearer token with its scopes; a read token cannot write", async () => {
    const { token } = await s.caller(bob).tokens.create({ name: "reader", scopes: ["read"] });
    const actor = await resolveActor(s.deps, bearer(token));
    expect(actor).toEqual({
      userId: bob.userId,
      email: bob.email,
      role: "user",
      scopes: ["read"],
    });
    expect(await s.caller(actor).teams.list()).toEqual([]);
    expect(await s.caller(actor).auth.me()).toMatchObject({ via: "token", scopes: ["read"] });
    await expect(s.caller(actor).teams.create({ slug: "t", name: "T" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "this API token may only read",
    });
    await expect(
      s.caller(actor).tokens.create({ name: "escalate", scopes: ["write"] }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("refuses a revoked token at once, and a token of another user cannot be revoked", async () => {
    const { token, view } = await s.caller(bob).tokens.create({ name: "short-lived" });
    const actor = await resolveActor(s.deps, bearer(token));
    expect(actor?.userId).toBe(bob.userId);
    await expect(
      s
        .caller({ ...admin, role: "user", userId: "someone-else" })
        .tokens.revoke({ tokenId: view.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const revoked = await s.caller(actor).tokens.revoke({ tokenId: view.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    await expect(resolveActor(s.deps, bearer(token))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: "API token 'short-lived' was revoked",
    });
    expect(
      await s.deps.db.prisma.auditEvent.count({
        where: { action: "token.revoke", target: `token:${view.id}` },
      }),
    ).toBe(1);
  });

  it("refuses expired, unknown and malformed tokens", async () => {
    const { token } = await s.caller(bob).tokens.create({
      name: "day",
      expiresAt: new Date(s.deps.now().getTime() + 24 * 3600_000),
    });
    expect(await resolveActor(s.deps, bearer(token))).toBeDefined();
    s.advance(24 * 3600_000);
    await expect(resolveActor(s.deps, bearer(token))).rejects.toMatchObject({
      message: "API token 'day' has expired",
    });
    await expect(resolveActor(s.deps, bearer("kiln_" + "a".repeat(40)))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(resolveActor(s.deps, bearer("ghp_abc"))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(resolveActor(s.deps, { authorization: "Basic Ym9i" })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(
      s
        .caller(bob)
        .tokens.create({ name: "past", expiresAt: new Date(s.deps.now().getTime() - 1) }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("writes lastUsedAt at most once a minute", async () => {
    const { token, view } = await s.caller(bob).tokens.create({ name: "busy" });
    const lastUsed = async () =>
      (
        await s.deps.db.prisma.apiToken.findUniqueOrThrow({ where: { id: view.id } })
      ).lastUsedAt?.getTime();
    expect(await lastUsed()).toBeUndefined();
    const t0 = s.deps.now().getTime();
    await resolveActor(s.deps, bearer(token));
    expect(await lastUsed()).toBe(t0);
    s.advance(30_000);
    await resolveActor(s.deps, bearer(token));
    expect(await lastUsed()).toBe(t0);
    s.advance(30_000);
    await resolveActor(s.deps, bearer(token));
    expect(await lastUsed()).toBe(t0 + 60_000);
  });

  it("gives admin powers only to an admin's token with the admin scope", async () => {
    const plain = await s.caller(admin).tokens.create({ name: "plain", scopes: ["read", "write"] });
    const plainActor = await resolveActor(s.deps, bearer(plain.token));
    expect(plainActor?.role).toBe("user");
    await expect(s.caller(plainActor).users.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const full = await s
      .caller(admin)
      .tokens.create({ name: "full", scopes: ["read", "write", "admin"] });
    const fullActor = await resolveActor(s.deps, bearer(full.token));
    expect((await s.caller(fullActor).users.list()).map((u) => u.email)).toContain(
      "bob@example.com",
    );
    await expect(
      s.caller(bob).tokens.create({ name: "x", scopes: ["admin"] }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("stops a disabled user's tokens", async () => {
    const { token } = await createApiToken(s.deps, null, {
      userId: bob.userId,
      name: "host-made",
    });
    expect(await resolveActor(s.deps, bearer(token))).toBeDefined();
    await s.caller(admin).users.setDisabled({ userId: bob.userId, disabled: true });
    await expect(resolveActor(s.deps, bearer(token))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await s.caller(admin).users.setDisabled({ userId: bob.userId, disabled: false });
    expect(await resolveActor(s.deps, bearer(token))).toBeDefined();
  });
});
