/**
 * A real Kiln API server on 127.0.0.1 for the security tests: the builds
 * fixture's database (teams a and b, alice a member of a), the /api handler
 * and gateway as the dashboard wires them, and an API token of alice's.
 */
import { testProviders } from "@kiln/db/testing";
import type { ServerConfig } from "@kiln/server/context";
import {
  createFixture,
  makeCatalogAuthor,
  type TFixture,
} from "@kiln/server/testing/builds-fixture";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";

export interface TSecurityServer {
  url: string;
  f: TFixture;
  /** alice's API token (read, write); she is a member of team a. */
  token: string;
  /** Replaces settings of the running server's configuration until `resetConfig`. */
  setConfig(settings: Partial<ServerConfig>): void;
  resetConfig(): void;
  close(): Promise<void>;
}

export async function startSecurityServer(): Promise<TSecurityServer> {
  const sqlite = testProviders(undefined)[0]!;
  const f = await createFixture(sqlite);
  // The uploads and imports under attack come from a catalog author of team A.
  await makeCatalogAuthor(f, f.users.alice);
  const original = f.deps.config;
  const api = await startApiServer({ deps: f.deps });
  const { token } = await createApiToken(f.deps, null, {
    userId: f.users.alice.userId,
    name: "security-tests",
  });
  return {
    url: api.url,
    f,
    token,
    setConfig: (settings) => {
      f.deps.config = { ...original, ...settings };
    },
    resetConfig: () => {
      f.deps.config = original;
    },
    close: async () => {
      await api.close();
      await f.close();
    },
  };
}
