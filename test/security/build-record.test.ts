/**
 * builds.create over real HTTP: the elements a build shows are the ones the
 * server resolved, never a list the caller made up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { createFixture, type TFixture } from "@kiln/server/testing/builds-fixture";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { bearer, mutate, query, resultOf } from "./support/trpc-over-http.ts";

describe("the build record", () => {
  let f: TFixture;
  let server: TApiServer;
  let alice: Record<string, string>;

  beforeAll(async () => {
    f = await createFixture(testProviders(undefined)[0]!);
    server = await startApiServer({ deps: f.deps });
    const { token } = await createApiToken(f.deps, null, {
      userId: f.users.alice.userId,
      name: "ci",
    });
    alice = bearer(token);
  });
  afterAll(async () => {
    await server.close();
    await f.close();
  });

  it("ignores caller-supplied resolvedElements and shows what the server resolved", async () => {
    const forged = [
      {
        name: "signed-and-audited",
        catalogVersionId: null,
        catalogName: "builtin",
        catalogSha256: "0".repeat(64),
      },
    ];
    const created = await mutate(
      server.url,
      "builds.create",
      { recipeVersionId: f.recipeVersionId, resolvedElements: forged },
      { headers: alice },
    );
    expect(created.status).toBe(200);
    const { id } = resultOf<{ id: string }>(created);
    const build = resultOf<{ resolvedElements: { name: string; catalogSha256: string | null }[] }>(
      await query(server.url, "builds.get", { buildId: id }, { headers: alice }),
    );
    const names = build.resolvedElements.map((element) => element.name);
    expect(names).not.toContain("signed-and-audited");
    expect(names).toEqual(expect.arrayContaining(["ubuntu", "vm", "dpkg", "bootloader"]));
    for (const element of build.resolvedElements) {
      expect(element.catalogSha256).toBe("ab".repeat(32));
    }
  });
});
