import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { createFixture, type TFixture } from "../../testing/builds-fixture.ts";
import { getCatalogArchive } from "./get-catalog-archive.ts";
import { registerBuiltinCatalog } from "./manage-catalogs.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);

describe.each(providers)("getCatalogArchive on $provider", (provider) => {
  let f: TFixture;
  beforeAll(async () => {
    if (!provider.skipReason) f = await createFixture(provider);
  });
  afterAll(async () => f?.close());
  const run = it.skipIf(!!provider.skipReason);

  run("streams the stored archive of a version named by its hash", async () => {
    const { version } = await registerBuiltinCatalog(f.deps);
    const stored = await text(await f.deps.store.get(version.storageKey));
    expect(stored.length).toBeGreaterThan(0);
    expect(await text(await getCatalogArchive(f.deps, version.sha256))).toBe(stored);
    await expect(getCatalogArchive(f.deps, "cd".repeat(32))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
