/**
 * Browser-facing hardening: security headers on every response, HSTS and the
 * cookie's Secure flag following an https KILN_PUBLIC_URL, a session's
 * absolute lifetime however active it is, and a password change that can
 * revoke the user's API tokens.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ADMIN_PASSWORD,
  login,
  startSecurityServer,
  type TSecurityServer,
} from "./support/security-server.ts";

const DAY = 24 * 60 * 60_000;

describe("security headers, cookies and session lifetime", () => {
  let server: TSecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const ownHeaders = () => ({
    "content-type": "application/json",
    origin: new URL(server!.url).origin,
    "x-kiln-csrf": "1",
  });

  it("sends CSP, frame-ancestors, nosniff and a referrer policy; no HSTS over http", async () => {
    server = await startSecurityServer();
    for (const path of ["/api/health", "/api/trpc/auth.me", "/no-such-page"]) {
      const response = await fetch(`${server.url}${path}`);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("sends HSTS and a Secure cookie when KILN_PUBLIC_URL is https", async () => {
    server = await startSecurityServer({
      publicUrl: "https://kiln.example.com",
      publicUrlConfigured: true,
    });
    const response = await login(server.url, ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("kiln_session="));
    expect(cookie).toMatch(/; Secure$/);
  });

  it("ends a session at its absolute lifetime even when used every day", async () => {
    server = await startSecurityServer({ sessionMaxLifetimeMs: 30 * DAY });
    const cookie = await server.signIn();
    const me = () => fetch(`${server!.url}/api/trpc/auth.me`, { headers: { cookie } });
    for (let day = 1; day < 30; day++) {
      server.advance(DAY);
      expect((await me()).status, `day ${day}`).toBe(200);
    }
    server.advance(DAY);
    expect((await me()).status).toBe(401);
  });

  it("revokes the user's API tokens with a password change when asked", async () => {
    server = await startSecurityServer();
    const cookie = await server.signIn();
    const call = (procedure: string, input: unknown) =>
      fetch(`${server!.url}/api/trpc/${procedure}`, {
        method: "POST",
        headers: { ...ownHeaders(), cookie },
        body: JSON.stringify({ json: input }),
      });
    const created = await call("tokens.create", { name: "script" });
    const { token } = ((await created.json()) as { result: { data: { json: { token: string } } } })
      .result.data.json;
    const asToken = () =>
      fetch(`${server!.url}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asToken()).status).toBe(200);

    const changed = await call("auth.changePassword", {
      currentPassword: ADMIN_PASSWORD,
      newPassword: "another long passphrase",
      revokeApiTokens: true,
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect(await changed.json()).toMatchObject({
      result: { data: { json: { ok: true, revokedTokens: 1 } } },
    });
    expect((await asToken()).status).toBe(401);
    const audit = await server.deps.db.prisma.auditEvent.findFirst({
      where: { action: "user.password" },
    });
    expect(JSON.parse(audit!.details)).toEqual({ revokedTokens: 1 });
  });
});
