import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { addAgent, createFixture, type TFixture } from "../../testing/builds-fixture.ts";
import { requestDispatch } from "./request-dispatch.ts";

const [sqlite] = testProviders(undefined);

describe("requestDispatch", () => {
  let f: TFixture;
  beforeAll(async () => {
    f = await createFixture(sqlite!);
  });
  afterAll(async () => f?.close());

  it("folds a burst of requests into one run more, which still sees every change", async () => {
    let runs = 0;
    let inside = 0;
    let most = 0;
    const counted = new Proxy(f.db.prisma, {
      get(target, prop, receiver) {
        // The first query of every dispatch run reads the agents.
        if (prop === "agent") {
          return new Proxy(Reflect.get(target, prop, receiver) as object, {
            get(t, p2, r2) {
              const v = Reflect.get(t, p2, r2);
              if (p2 !== "findMany" || typeof v !== "function") return v;
              return async (...args: unknown[]) => {
                runs++;
                inside++;
                most = Math.max(most, inside);
                try {
                  await new Promise((r) => setTimeout(r, 30));
                  return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
                } finally {
                  inside--;
                }
              };
            },
          });
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const deps = { ...f.deps, db: { ...f.db, prisma: counted } } as typeof f.deps;
    const { id } = await f
      .caller(f.users.alice)
      .builds.create({ recipeVersionId: f.recipeVersionId });
    const first = requestDispatch(deps);
    // An agent arrives while the first run is under way; 50 more requests pile up.
    await addAgent(f, "late", {});
    await Promise.all([first, ...Array.from({ length: 50 }, () => requestDispatch(deps))]);
    expect(most).toBe(1);
    expect(runs).toBe(2);
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status).toBe("ASSIGNED");
  });
});
