/**
 * The builds fixture on SQLite for the tests that follow recipe secrets through
 * a real server: alice may author team A's catalogs, and the server's deps cache
 * catalogs under the test's temp dir and hold the key that encrypts secrets.
 */
import path from "node:path";
import { testProviders } from "@kiln/db/testing";
import type { ServerConfig, ServerDeps } from "@kiln/server/context";
import {
  createFixture,
  makeCatalogAuthor,
  type TFixture,
} from "@kiln/server/testing/builds-fixture";

const sqlite = testProviders(undefined).find((provider) => provider.provider === "sqlite")!;

/** The fixture, and deps over its config with a catalog cache under `tmp` and `config` on top. */
export async function createSecretsFixture(
  tmp: string,
  config: Partial<ServerConfig> & { secretKey: string },
): Promise<{ f: TFixture; deps: ServerDeps }> {
  const f = await createFixture(sqlite);
  await makeCatalogAuthor(f, f.users.alice);
  const deps: ServerDeps = {
    ...f.deps,
    config: { ...f.deps.config, catalogCacheDir: path.join(tmp, "catalog-cache"), ...config },
  };
  return { f, deps };
}
