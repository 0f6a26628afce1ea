import { text } from "node:stream/consumers";
import { expect } from "vitest";
import { createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { getCatalogArchive } from "./get-catalog-archive.ts";
import { registerBuiltinCatalog } from "./manage-catalogs.ts";

describeEachProvider("getCatalogArchive", (provider, run) => {
  const f = useFixture(provider, createFixture);

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
