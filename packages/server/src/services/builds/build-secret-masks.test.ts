import { afterAll, beforeAll, expect } from "vitest";
import type { ServerDeps } from "../../context.ts";
import { createFixture, type TFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider } from "../../testing/describe-each-provider.ts";
import { encryptSecret } from "../recipes/recipe-secrets.ts";
import { buildMasker, forgetBuildSecrets, rememberBuildSecrets } from "./build-secret-masks.ts";

const SECRET = "fixture-secret-value-8Hq2";
const text = (data: Uint8Array) => Buffer.from(data).toString();

describeEachProvider("build secret masks", (provider, run) => {
  let f: TFixture;
  let deps: ServerDeps;
  let buildId: string;

  beforeAll(async () => {
    f = await createFixture(provider);
    deps = { ...f.deps, config: { ...f.deps.config, secretKey: "masks test key" } };
    // The fixture recipe's secret, encrypted for real.
    await f.db.prisma.recipeVersion.update({
      where: { id: f.recipeVersionId },
      data: {
        env: JSON.stringify([
          {
            name: "DIB_TOKEN",
            value: encryptSecret(deps.config, f.recipeId, "DIB_TOKEN", SECRET),
            secret: true,
          },
        ]),
      },
    });
    ({ id: buildId } = await f.caller(f.users.alice).builds.create({
      recipeVersionId: f.recipeVersionId,
    }));
  });
  afterAll(async () => {
    await f?.close();
  });

  run("after a restart (nothing cached) the recipe's secrets are decrypted again", async () => {
    forgetBuildSecrets(deps, buildId);
    const masker = await buildMasker(deps, buildId);
    expect(masker.text.mask(`x ${SECRET} y`)).toBe("x *** y");
    expect(text(masker.log.mask(0, Buffer.from(`${SECRET}\n`)))).toBe(
      `${"*".repeat(SECRET.length)}\n`,
    );
  });

  run("another agent's chunk does not move the assigned agent's stream", async () => {
    rememberBuildSecrets(deps, { id: buildId, agentId: "agent-a" }, [SECRET]);
    const own = await buildMasker(deps, buildId, "agent-a");
    const first = own.log.mask(0, Buffer.from(`start ${SECRET.slice(0, 10)}`));
    expect(text(first)).toBe(`start ${"*".repeat(10)}`);
    // A chunk at the next offset from an agent the build is not assigned to (refused later).
    const foreign = await buildMasker(deps, buildId, "agent-b");
    foreign.log.mask(first.length, Buffer.from("unrelated bytes"));
    const again = await buildMasker(deps, buildId, "agent-a");
    const second = again.log.mask(first.length, Buffer.from(`${SECRET.slice(10)} end`));
    expect(text(second)).toBe(`${"*".repeat(SECRET.length - 10)} end`);
  });
});
