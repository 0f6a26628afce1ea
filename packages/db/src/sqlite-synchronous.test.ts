import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDb, type Db } from "./client.ts";

describe("SQLite durability setting", () => {
  it("is NORMAL by default and FULL when asked, on every connection", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-sync-"));
    try {
      const read = async (db: Db) =>
        Number(
          ((await db.prisma.$queryRawUnsafe("PRAGMA synchronous")) as { synchronous: bigint }[])[0]!
            .synchronous,
        );
      const normal = createDb({ url: `file:${dir}/a.db` });
      const full = createDb({ url: `file:${dir}/a.db`, sqliteSynchronous: "full" });
      try {
        expect(await read(normal)).toBe(1);
        expect(await read(full)).toBe(2);
      } finally {
        await normal.close();
        await full.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
