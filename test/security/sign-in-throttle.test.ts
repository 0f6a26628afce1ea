/**
 * Sign-in throttling over real HTTP: failures for one account must not lock
 * everyone at the same address out (behind a proxy that is everyone), and
 * X-Forwarded-For names the client only when the peer is a trusted proxy.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createUser } from "@kiln/server/services/users/create-user";
import { errorOf, mutate } from "./support/trpc-over-http.ts";
import { startThrowawayServer, type TThrowawayServer } from "./support/throwaway-server.ts";

let server: TThrowawayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function withUsers(config: Parameters<typeof startThrowawayServer>[0] = {}) {
  server = await startThrowawayServer(config);
  for (const name of ["alice", "bob"]) {
    await createUser(server.deps, null, {
      email: `${name}@example.com`,
      role: "user",
      password: `${name}'s long password`,
    });
  }
  return server;
}

function signIn(base: string, email: string, password: string, headers = {}) {
  return mutate(base, "auth.login", { email, password }, { headers });
}

describe("sign-in throttling", () => {
  it("wrong passwords for one account do not lock other accounts at the same address out", async () => {
    const { url, advance } = await withUsers();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await signIn(url, "alice@example.com", `guess ${i}`)).status);
    }
    // The account backs off after three failures (a wait, not a 15-minute lockout).
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);

    // From the same address, another account and an unknown email are unaffected.
    expect((await signIn(url, "bob@example.com", "bob's long password")).status).toBe(200);
    expect((await signIn(url, "nobody@example.com", "whatever it is")).status).toBe(401);

    // The targeted account is protected: even its right password waits…
    const waiting = await signIn(url, "alice@example.com", "alice's long password");
    expect(waiting.status).toBe(429);
    expect(errorOf(waiting)).toMatch(/try again in 1 second/);
    // …for a second, not a quarter of an hour.
    advance(1000);
    expect((await signIn(url, "alice@example.com", "alice's long password")).status).toBe(200);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const { url } = await withUsers({ signInFailuresPerAddress: 3 });
    const statuses: number[] = [];
    // A direct client makes up a new address for each guess at a new account.
    for (let i = 0; i < 4; i++) {
      const spoofed = { "x-forwarded-for": `198.51.100.${i + 1}` };
      statuses.push((await signIn(url, `user${i}@example.com`, "a wrong guess", spoofed)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("behind a trusted proxy, takes the right-most untrusted X-Forwarded-For address as the client", async () => {
    const { url } = await withUsers({
      trustedProxies: ["127.0.0.0/8"],
      signInFailuresPerAddress: 3,
    });
    // Five people behind the proxy each mistype once: nobody is throttled.
    for (let i = 0; i < 5; i++) {
      const viaProxy = { "x-forwarded-for": `203.0.113.${i + 1}` };
      expect((await signIn(url, `person${i}@example.com`, "a typo", viaProxy)).status).toBe(401);
    }
    // One client, writing its own X-Forwarded-For before the proxy appends the
    // real address: the made-up part is not believed.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const spoofed = { "x-forwarded-for": `10.9.9.${i + 1}, 192.0.2.77` };
      statuses.push((await signIn(url, `target${i}@example.com`, "a wrong guess", spoofed)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The others behind the same proxy still sign in.
    const bob = await signIn(url, "bob@example.com", "bob's long password", {
      "x-forwarded-for": "203.0.113.50",
    });
    expect(bob.status).toBe(200);
  });
});
