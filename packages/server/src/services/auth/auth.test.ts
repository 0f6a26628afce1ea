import { verify } from "@node-rs/argon2";
import { expect, it, vi } from "vitest";
import { AppError } from "../../app-error.ts";
import { resolveActor } from "../../http/http-auth.ts";
import { createUser } from "../users/create-user.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { createTestServer } from "../../testing/identity-test-server.ts";
import { ensureFirstAdmin, SETUP_TOKEN_SETTING } from "./first-admin.ts";
import { hashPassword } from "./hash-password.ts";
import { SESSION_COOKIE, SESSION_TTL_MS } from "./sessions.ts";

// argon2's verify, observed: which hashes a sign-in checks, and how many.
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof import("@node-rs/argon2")>();
  return { ...real, verify: vi.fn(real.verify) };
});
const argonVerify = vi.mocked(verify);
/** The cost parameters of an argon2 PHC string ("m=…,t=…,p=…"). */
const costOf = (phc: string) => phc.split("$")[3];

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describeEachProvider("auth", (provider) => {
  const s = useFixture(provider, createTestServer);

  const sessionCookie = () => `${SESSION_COOKIE}=${s.cookies.get(SESSION_COOKIE)!.value}`;

  it("first start without users gives a one-time setup link", async () => {
    const anon = s.caller();
    expect(await anon.auth.setupStatus()).toEqual({ needsSetup: true });
    const first = await ensureFirstAdmin(s.deps, {});
    const second = await ensureFirstAdmin(s.deps, {});
    if (first.kind !== "setup" || second.kind !== "setup") throw new Error("expected setup links");
    expect(first.setupUrl).toMatch(/^http:\/\/kiln\.test:3000\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const token = (url: string) => new URL(url).searchParams.get("token")!;
    // Only the token in the stored row is accepted, never stored in clear.
    const row = await s.deps.db.prisma.setting.findUnique({
      where: { key: SETUP_TOKEN_SETTING },
    });
    expect(row?.value).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.value).not.toContain(token(second.setupUrl));

    const input = { email: "Root@Example.com", password: "correct horse battery" };
    // The first link was replaced by the second start's.
    await expect(
      anon.auth.completeSetup({ ...input, token: token(first.setupUrl) }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(anon.auth.completeSetup({ ...input, token: "nope" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const done = await anon.auth.completeSetup({ ...input, token: token(second.setupUrl) });
    expect(done.user).toMatchObject({ email: "root@example.com", role: "admin" });
    expect(done.user).not.toHaveProperty("passwordHash");
    expect(s.cookies.get(SESSION_COOKIE)?.maxAgeSeconds).toBe(SESSION_TTL_MS / 1000);
    const actor = await resolveActor(s.deps, { cookie: sessionCookie() });
    expect(actor).toMatchObject({ email: "root@example.com", role: "admin" });

    await expect(
      anon.auth.completeSetup({
        ...input,
        email: "evil@example.com",
        token: token(second.setupUrl),
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await anon.auth.setupStatus()).toEqual({ needsSetup: false });
    expect(
      await ensureFirstAdmin(s.deps, { email: "x@example.com", password: "long enough pw" }),
    ).toEqual({
      kind: "ready",
    });
    expect(await s.deps.db.prisma.user.count()).toBe(1);
    const audit = await s.deps.db.prisma.auditEvent.findMany({
      where: { action: "user.create" },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).not.toContain("correct horse");
  });

  it("signs in, answers me, slides the session and signs out", async () => {
    const anon = s.caller(undefined, { ip: "198.51.100.7" });
    s.cookies.clear();
    const res = await anon.auth.login({
      email: "ROOT@example.com ",
      password: "correct horse battery",
    });
    expect(res).toMatchObject({ email: "root@example.com", role: "admin" });
    const cookie = sessionCookie();
    const stored = await s.deps.db.prisma.session.findMany();
    // Only the sha256 of the cookie value is in the database.
    expect(stored.map((x) => x.tokenHash)).not.toContain(s.cookies.get(SESSION_COOKIE)!.value);

    const actor = await resolveActor(s.deps, { cookie: `other=1; ${cookie}` });
    expect(actor).toBeDefined();
    const me = await s.caller(actor).auth.me();
    expect(me).toMatchObject({
      via: "session",
      role: "admin",
      user: { email: "root@example.com" },
    });

    // Sliding: used after 10 days, it lives 14 days from then.
    s.advance(10 * DAY);
    const refreshed: number[] = [];
    const again = await resolveActor(s.deps, {
      cookie,
      setCookie: (name, _v, o) => name === SESSION_COOKIE && refreshed.push(o.maxAgeSeconds),
    });
    expect(again).toBeDefined();
    expect(refreshed).toEqual([SESSION_TTL_MS / 1000]);
    s.advance(10 * DAY);
    expect(await resolveActor(s.deps, { cookie })).toBeDefined();

    await s.caller(again).auth.logout();
    expect(s.cookies.get(SESSION_COOKIE)).toEqual({ value: "", maxAgeSeconds: 0 });
    expect(await resolveActor(s.deps, { cookie })).toBeUndefined();
  });

  it("expires an unused session after 14 days", async () => {
    await s.caller().auth.login({ email: "root@example.com", password: "correct horse battery" });
    const cookie = sessionCookie();
    expect(await resolveActor(s.deps, { cookie })).toBeDefined();
    s.advance(SESSION_TTL_MS + 1);
    expect(await resolveActor(s.deps, { cookie })).toBeUndefined();
    await expect(s.caller(undefined).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses wrong passwords and unknown emails alike", async () => {
    const anon = s.caller(undefined, { ip: "203.0.113.1" });
    const wrong = anon.auth.login({ email: "root@example.com", password: "wrong password!" });
    await expect(wrong).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "wrong email or password",
    });
    const unknown = anon.auth.login({ email: "nobody@example.com", password: "wrong password!" });
    await expect(unknown).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "wrong email or password",
    });
  });

  it("does the same argon2 work for unknown emails, users without a password and wrong passwords", async () => {
    // What the timing depends on is observed directly, not with a clock: each failed
    // sign-in runs exactly one argon2 verification against a hash with the same cost
    // parameters as a real user's.
    const nopass = await createUser(s.deps, null, {
      email: "nopass@example.com",
      role: "user",
      password: "a throwaway password",
    });
    await s.deps.db.prisma.user.update({
      where: { id: nopass.id },
      data: { passwordHash: null },
    });
    const attempt = async (email: string, ip: string) => {
      argonVerify.mockClear();
      await s
        .caller(undefined, { ip })
        .auth.login({ email, password: "not the password" })
        .catch(() => {});
      return argonVerify.mock.calls.map(([hash]) => costOf(String(hash)));
    };
    const real = costOf(await hashPassword("a password of some length"));
    expect(real).toBe("m=19456,t=2,p=1");
    expect(await attempt("root@example.com", "203.0.113.60")).toEqual([real]);
    expect(await attempt("ghost@example.com", "203.0.113.61")).toEqual([real]);
    expect(await attempt("nopass@example.com", "203.0.113.62")).toEqual([real]);
    s.advance(16 * MIN);
  });

  it("backs off failures per email, doubling the wait, and a success clears it", async () => {
    await createUser(s.deps, null, {
      email: "ann@example.com",
      role: "user",
      password: "ann's password",
    });
    const annFrom = (ip: string, password: string) =>
      s.caller(undefined, { ip }).auth.login({ email: "ann@example.com", password });
    for (let i = 0; i < 3; i++) {
      // Different addresses: the email's own count trips.
      await expect(annFrom(`10.0.0.${i}`, "guess " + i)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(annFrom("10.0.1.1", "ann's password")).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "too many failed sign-ins; try again in 1 second",
    });
    s.advance(1000);
    await expect(annFrom("10.0.0.3", "guess 3")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // The wait doubles with each failure past the free ones.
    await expect(annFrom("10.0.1.1", "ann's password")).rejects.toMatchObject({
      message: /try again in 2 seconds/,
    });
    s.advance(2000);
    const ok = await annFrom("10.0.1.1", "ann's password");
    expect(ok.email).toBe("ann@example.com");
    // The success cleared the account: three more failures cost no wait.
    for (let i = 0; i < 3; i++) {
      await expect(annFrom(`10.0.2.${i}`, "again " + i)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    s.advance(1000);
    expect((await annFrom("10.0.1.1", "ann's password")).email).toBe("ann@example.com");
  });

  it("rate-limits failures per client address across emails", async () => {
    const from = (ip: string) => s.caller(undefined, { ip });
    for (let i = 0; i < 5; i++) {
      await expect(
        from("10.9.9.9").auth.login({ email: `u${i}@example.com`, password: "x".repeat(12) }),
      ).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(
      from("10.9.9.9").auth.login({ email: "ann@example.com", password: "ann's password" }),
    ).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(
      (
        await from("10.9.9.10").auth.login({
          email: "ann@example.com",
          password: "ann's password",
        })
      ).email,
    ).toBe("ann@example.com");
  });

  it("refuses a disabled user's password and changes passwords", async () => {
    const ann = await s.deps.db.prisma.user.findUniqueOrThrow({
      where: { email: "ann@example.com" },
    });
    await s
      .caller(undefined, { ip: "10.3.0.1" })
      .auth.login({ email: "ann@example.com", password: "ann's password" });
    const first = sessionCookie();
    await s
      .caller(undefined, { ip: "10.3.0.1" })
      .auth.login({ email: "ann@example.com", password: "ann's password" });
    const second = sessionCookie();
    const actor = (await resolveActor(s.deps, { cookie: second }))!;
    await expect(
      s
        .caller(actor)
        .auth.changePassword({ currentPassword: "nope", newPassword: "ann's new password" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await s.caller(actor).auth.changePassword({
      currentPassword: "ann's password",
      newPassword: "ann's new password",
    });
    // Other sessions end, this one stays.
    expect(await resolveActor(s.deps, { cookie: first })).toBeUndefined();
    expect(await resolveActor(s.deps, { cookie: second })).toBeDefined();

    await s.deps.db.prisma.user.update({ where: { id: ann.id }, data: { disabled: true } });
    expect(await resolveActor(s.deps, { cookie: second })).toBeUndefined();
    await expect(
      s
        .caller(undefined, { ip: "10.3.0.2" })
        .auth.login({ email: "ann@example.com", password: "ann's new password" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await s.deps.db.prisma.user.update({ where: { id: ann.id }, data: { disabled: false } });
  });

  it("creates the first admin from the environment, once", async () => {
    const other = await createTestServer(provider);
    try {
      await expect(ensureFirstAdmin(other.deps, { email: "a@example.com" })).rejects.toMatchObject({
        field: "KILN_ADMIN_PASSWORD",
      });
      await expect(
        ensureFirstAdmin(other.deps, { email: "a@example.com", password: "short" }),
      ).rejects.toBeInstanceOf(AppError);
      const made = await ensureFirstAdmin(other.deps, {
        email: "A@example.com",
        password: "long enough pw",
      });
      expect(made).toMatchObject({
        kind: "created",
        user: { email: "a@example.com", role: "admin" },
      });
      expect(
        await ensureFirstAdmin(other.deps, {
          email: "b@example.com",
          password: "long enough pw",
        }),
      ).toEqual({
        kind: "ready",
      });
      expect(await other.deps.db.prisma.user.count()).toBe(1);
      expect(
        (await other.caller().auth.login({ email: "a@example.com", password: "long enough pw" }))
          .role,
      ).toBe("admin");
    } finally {
      await other.close();
    }
  });
});
