import { expect } from "vitest";
import { getBuild } from "./get-build.ts";
import { createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";

// A JSON column of the wrong shape is the server's fault: reading it fails
// with the column's name instead of showing an empty default.
describeEachProvider("stored JSON columns", (provider, run) => {
  const f = useFixture(provider, createFixture);

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
