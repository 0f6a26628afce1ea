/**
 * A real Kiln API server on 127.0.0.1 (the agent gateway and /api, as the
 * dashboard wires them) over a fresh SQLite database with one administrator,
 * for the attack tests: they speak HTTP to it over real sockets.
 */
import { testProviders } from "@kiln/db/testing";
import type { ServerConfig, ServerDeps } from "@kiln/server/context";
import { createUser } from "@kiln/server/services/users/create-user";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { createTestDeps } from "@kiln/server/testing/test-server-deps";

export const ADMIN_EMAIL = "admin@kiln.test";
export const ADMIN_PASSWORD = "correct horse battery staple";

export interface TSecurityServer {
  url: string;
  api: TApiServer;
  deps: ServerDeps;
  /** Moves the server's clock forward. */
  advance(ms: number): void;
  /** Signs the administrator in over HTTP; the session cookie (`kiln_session=…`). */
  signIn(): Promise<string>;
  close(): Promise<void>;
}

export async function startSecurityServer(
  config: Partial<ServerConfig> = {},
): Promise<TSecurityServer> {
  const sqlite = testProviders(undefined)[0]!;
  let offsetMs = 0;
  const test = await createTestDeps(sqlite, { config, now: () => new Date(Date.now() + offsetMs) });
  await createUser(test.deps, null, {
    email: ADMIN_EMAIL,
    role: "admin",
    password: ADMIN_PASSWORD,
  });
  const api = await startApiServer({ deps: test.deps });
  return {
    url: api.url,
    api,
    deps: test.deps,
    advance: (ms) => {
      offsetMs += ms;
    },
    signIn: async () => {
      const response = await login(api.url, ADMIN_PASSWORD);
      if (response.status !== 200) throw new Error(`sign-in: HTTP ${response.status}`);
      return sessionCookie(response)!;
    },
    close: async () => {
      await api.close();
      await test.close();
    },
  };
}

/** One unbatched `auth.login` over HTTP, as the dashboard sends it. */
export function login(url: string, password: string, email = ADMIN_EMAIL): Promise<Response> {
  return fetch(`${url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { email, password } }),
  });
}

/** The `kiln_session=…` pair a response sets, if any. */
export function sessionCookie(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0]!)
    .find((pair) => pair.startsWith("kiln_session=") && pair !== "kiln_session=");
}
