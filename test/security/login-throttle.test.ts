/**
 * Password guessing through tRPC: one request batching many `auth.login`
 * calls, and many concurrent requests, must not get past the sign-in
 * limiter (5 failures per account and address) nor end in a session.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  login,
  sessionCookie,
  startSecurityServer,
  type TSecurityServer,
} from "./support/security-server.ts";

describe("sign-in throttling over HTTP", () => {
  // A server per test: each starts with no failures counted for its address.
  let server: TSecurityServer;
  beforeEach(async () => {
    server = await startSecurityServer();
  });
  afterEach(() => server?.close());

  it("refuses a batch of 39 wrong passwords and the right one as a whole, without a session", async () => {
    const attempts = [
      ...Array.from({ length: 39 }, (_, n) => `wrong password ${n}`),
      ADMIN_PASSWORD,
    ];
    const paths = attempts.map(() => "auth.login").join(",");
    const input = Object.fromEntries(
      attempts.map((password, n) => [n, { json: { email: ADMIN_EMAIL, password } }]),
    );
    const response = await fetch(`${server.url}/api/trpc/${paths}?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    expect(response.status, text).toBe(400);
    expect(text).toMatch(/cannot be batched|at most 20/);
    expect(sessionCookie(response)).toBeUndefined();
  });

  it("refuses an auth procedure even in a batch of one", async () => {
    const response = await fetch(`${server.url}/api/trpc/auth.login?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ 0: { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } } }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("auth procedures cannot be batched");
    expect(sessionCookie(response)).toBeUndefined();
  });

  it("caps every batch at 20 procedures", async () => {
    const batch = (size: number) =>
      fetch(`${server.url}/api/trpc/${Array(size).fill("agents.list").join(",")}?batch=1`);
    const over = await batch(21);
    expect(over.status).toBe(400);
    expect(await over.text()).toContain("a batch may hold at most 20 procedures (this one has 21)");
    // Twenty is allowed: each call then answers for itself (anonymous here).
    const atCap = await batch(20);
    expect(await atCap.text()).not.toContain("a batch may hold");
  });

  it("counts concurrent attempts before verifying: 39 at once get at most 5 tries", async () => {
    const email = "guess-target@kiln.test";
    const responses = await Promise.all(
      Array.from({ length: 39 }, (_, n) => login(server.url, `wrong password ${n}`, email)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(34);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });
});
