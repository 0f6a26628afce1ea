import { createDb } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import { testProviders } from "@kiln/db/testing";
import { describe, expect, it } from "vitest";
import { takeLock } from "./take-lock.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const provider of testProviders(process.env.KILN_TEST_DATABASE_URL)) {
  describe.skipIf(provider.skipReason)(`takeLock on ${provider.provider}`, () => {
    it("makes a second transaction wait until the first one ends", async () => {
      const database = await provider.create();
      await migrateDatabase({ url: database.url });
      const db = createDb({ url: database.url });
      try {
        const order: string[] = [];
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const first = db.prisma.$transaction(
          async (tx) => {
            await takeLock(tx, "team:x");
            order.push("first locked");
            await held;
            order.push("first done");
          },
          { timeout: 10_000 },
        );
        await sleep(100);
        const second = db.prisma.$transaction(
          async (tx) => {
            await takeLock(tx, "team:x");
            order.push("second locked");
          },
          { timeout: 10_000, maxWait: 10_000 },
        );
        await sleep(300);
        order.push("released");
        release();
        await Promise.all([first, second]);
        expect(order).toEqual(["first locked", "released", "first done", "second locked"]);
      } finally {
        await db.close();
        await database.drop();
      }
    });
  });
}
