/**
 * Test support for the identity tests: a migrated throwaway database of one
 * provider, ServerDeps around it with a clock the test moves, and callers of
 * the identity routers. Not used by production code.
 */
import type { TTestProvider } from "@kiln/db/testing";
import type { Actor, RequestContext, ServerDeps } from "../context.ts";
import { auditRouter } from "../routers/audit-router.ts";
import { authRouter } from "../routers/auth-router.ts";
import { teamsRouter } from "../routers/teams-router.ts";
import { tokensRouter } from "../routers/tokens-router.ts";
import { usersRouter } from "../routers/users-router.ts";
import { createCallerFactory, router } from "../trpc.ts";
import { createTestDeps } from "./test-server-deps.ts";

/** The identity routers alone, so these tests do not depend on other areas' routers. */
export const identityRouter = router({
  auth: authRouter,
  users: usersRouter,
  teams: teamsRouter,
  tokens: tokensRouter,
  audit: auditRouter,
});
const createCaller = createCallerFactory(identityRouter);

export interface TTestServer {
  deps: ServerDeps;
  /** Move the server's clock forward. */
  advance(ms: number): void;
  /**
   * A caller acting as `actor` (anonymous when undefined). Cookies the server
   * sets are recorded in `cookies`.
   */
  caller(actor?: Actor, opts?: { ip?: string }): ReturnType<typeof createCaller>;
  /** Last value set per cookie name (with its max-age). */
  cookies: Map<string, { value: string; maxAgeSeconds: number }>;
  close(): Promise<void>;
}

export async function createTestServer(provider: TTestProvider): Promise<TTestServer> {
  let clock = Date.parse("2026-01-05T10:00:00.000Z");
  const { deps, close } = await createTestDeps(provider, {
    now: () => new Date(clock),
    // Low enough that the per-address backoff shows within a few failures.
    config: { signInFailuresPerAddress: 5 },
  });
  const cookies = new Map<string, { value: string; maxAgeSeconds: number }>();
  return {
    deps,
    cookies,
    advance: (ms) => {
      clock += ms;
    },
    caller: (actor, opts = {}) => {
      const ctx: RequestContext = {
        deps,
        actor,
        ip: opts.ip ?? "192.0.2.1",
        setCookie: (name, value, o) => cookies.set(name, { value, maxAgeSeconds: o.maxAgeSeconds }),
      };
      return createCaller(ctx);
    },
    close,
  };
}
