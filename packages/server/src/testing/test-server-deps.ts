/**
 * ServerDeps for tests, benches and test servers: a real database, a
 * directory artifact store, a fresh event bus, test configuration. One place
 * for the parts every server fixture repeats. Not used by production code.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb, type Db } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { TTestProvider } from "@kiln/db/testing";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import type { ServerConfig, ServerDeps } from "../context.ts";
import { EventBus } from "../event-bus.ts";

export interface TTestServerDepsOptions {
  /** The artifact store's root directory. */
  storeDir: string;
  /** Replaces single settings of the test configuration. */
  config?: Partial<ServerConfig>;
  /** Default: silent. */
  logger?: Logger;
  /** Default: the wall clock. */
  now?: () => Date;
}

/** ServerDeps around an open database. */
export function testServerDeps(db: Db, options: TTestServerDepsOptions): ServerDeps {
  return {
    db,
    store: createDirectoryArtifactStore({ root: options.storeDir }),
    bus: new EventBus(),
    logger: options.logger ?? silentLogger,
    config: {
      version: "0.0.0-test",
      builtinElementsDir: options.storeDir,
      keepBuildsDefault: 10,
      maxCatalogBytes: 1 << 20,
      publicUrl: "http://kiln.test:3000/",
      ...options.config,
    },
    now: options.now ?? (() => new Date()),
  };
}

export interface TTestDeps {
  deps: ServerDeps;
  db: Db;
  /** The test database's URL (to open more clients, as other processes would). */
  dbUrl: string;
  /** A temporary directory, removed on close; the artifact store is `<tmp>/store`. */
  tmp: string;
  /** Closes the database, drops it and removes `tmp`. */
  close(): Promise<void>;
}

/** A fresh, migrated database of `provider` and ServerDeps around it. */
export async function createTestDeps(
  provider: TTestProvider,
  options: Omit<TTestServerDepsOptions, "storeDir"> = {},
): Promise<TTestDeps> {
  const database = await provider.create();
  await migrateDatabase({ url: database.url });
  const db = createDb({ url: database.url });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-server-test-"));
  const deps = testServerDeps(db, { ...options, storeDir: path.join(tmp, "store") });
  return {
    deps,
    db,
    dbUrl: database.url,
    tmp,
    close: async () => {
      await db.close();
      await database.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
