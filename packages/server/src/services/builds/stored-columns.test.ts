import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { getBuild } from "./get-build.ts";
import { createFixture, type TFixture } from "../../testing/builds-fixture.ts";

const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);

// A JSON column of the wrong shape is the server's fault: reading it fails
// with the column's name instead of showing an empty default.
describe.each(providers)("stored JSON columns on $provider", (provider) => {
  let f: TFixture;
  beforeAll(async () => {
    if (!provider.skipReason) f = await createFixture(provider);
  });
  afterAll(async () => f?.close());
  const run = it.skipIf(!!provider.skipReason);

  run("a build's phase timings of the wrong shape fail loudly, naming the column", async () => {
    const alice = f.caller(f.users.alice);
    const { id } = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
    await f.db.prisma.build.update({ where: { id }, data: { phaseTimings: '{"root.d":"slow"}' } });
    await expect(getBuild(f.deps, f.users.alice, id)).rejects.toThrow(
      `stored Build.phaseTimings of build ${id} is invalid: at root.d: `,
    );
  });

  run("a recipe version's elements that are not a list fail loudly when building it", async () => {
    await f.db.prisma.recipeVersion.update({
      where: { id: f.recipeVersionId },
      data: { elements: '{"base":true}' },
    });
    const alice = f.caller(f.users.alice);
    await expect(alice.builds.create({ recipeVersionId: f.recipeVersionId })).rejects.toThrow(
      `stored RecipeVersion.elements of ${f.recipeVersionId} is invalid`,
    );
  });
});
