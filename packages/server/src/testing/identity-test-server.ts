/**
 * Test support for the identity tests: a migrated throwaway database of one
 * provider, ServerDeps around it with a clock the test moves, and callers of
 * the identity routers. Not used by production code.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { TTestProvider } from "@kiln/db/testing";
import { silentLogger } from "@kiln/engine/logger";
import type { Actor, RequestContext, ServerDeps } from "../context.ts";
import { EventBus } from "../event-bus.ts";
import { auditRouter } from "../routers/audit-router.ts";
import { authRouter } from "../routers/auth-router.ts";
import { teamsRouter } from "../routers/teams-router.ts";
import { tokensRouter } from "../routers/tokens-router.ts";
import { usersRouter } from "../routers/users-router.ts";
import { createCallerFactory, router } from "../trpc.ts";

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
  const database = await provider.create();
  await migrateDatabase({ url: database.url });
  const db = createDb({ url: database.url });
  const storeDir = mkdtempSync(path.join(os.tmpdir(), "kiln-auth-store-"));
  let clock = Date.parse("2026-01-05T10:00:00.000Z");
  const deps: ServerDeps = {
    db,
    store: createDirectoryArtifactStore({ root: storeDir }),
    bus: new EventBus(),
    logger: silentLogger,
    config: {
      version: "0.0.0-test",
      builtinElementsDir: storeDir,
      keepBuildsDefault: 10,
      maxCatalogBytes: 1 << 20,
      publicUrl: "http://kiln.test:3000/",
    },
    now: () => new Date(clock),
  };
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
    close: async () => {
      await db.close();
      await database.drop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
