/**
 * A real Kiln API server for the security tests: a fresh SQLite database and
 * artifact store, `/api` and the agent gateway on a real socket on
 * 127.0.0.1 (packages/server's startApiServer), with the configuration and
 * the clock the test chooses.
 */
import { testProviders } from "@kiln/db/testing";
import type { ServerConfig, ServerDeps } from "@kiln/server/context";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import { createTestDeps } from "@kiln/server/testing/test-server-deps";

export interface TThrowawayServer {
  /** http://127.0.0.1:<port> */
  url: string;
  deps: ServerDeps;
  /** Moves the server's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startThrowawayServer(
  config: Partial<ServerConfig> = {},
): Promise<TThrowawayServer> {
  const sqlite = testProviders(undefined).find((provider) => provider.provider === "sqlite")!;
  let clock = Date.parse("2026-06-01T09:00:00Z");
  const test = await createTestDeps(sqlite, { config, now: () => new Date(clock) });
  const server = await startApiServer({ deps: test.deps });
  return {
    url: server.url,
    deps: test.deps,
    advance: (ms) => {
      clock += ms;
    },
    close: async () => {
      await server.close();
      await test.close();
    },
  };
}
