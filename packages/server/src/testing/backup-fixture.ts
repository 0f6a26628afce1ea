/**
 * Helpers of the backup tests: a server's storage in temp dirs (a database of
 * either provider, a directory store inside the data directory), seeded with
 * builds, binary logs, artifacts and a recipe secret, and wiped as a lost disk
 * would be. Not used by production code.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb, type Db } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { TTestDatabase, TTestProvider } from "@kiln/db/testing";
import type { Actor, ServerDeps } from "../context.ts";
import { appendLogChunk } from "../services/builds/append-log-chunk.ts";
import { artifactStorageKey } from "../services/builds/record-artifact.ts";
import { encryptSecret } from "../services/recipes/recipe-secrets.ts";
import type { TBackupStorage } from "../services/backup/create-backup.ts";
import { testServerDeps } from "./test-server-deps.ts";

export const KEY = "the server's secret key, 32+ chars";
export const REQUEST = JSON.stringify({ elements: ["ubuntu", "vm"], arch: "amd64" });
const cleanup: (() => Promise<void>)[] = [];

/** Removes every directory and database the helpers made (call in afterAll). */
export async function cleanUpBackupFixtures(): Promise<void> {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-backup-test-"));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function database(provider: TTestProvider): Promise<TTestDatabase> {
  const made = await provider.create();
  cleanup.push(() => made.drop());
  return made;
}

/** A server's storage: its database, and a directory store under `dataDir`. */
export interface TServerFiles {
  url: string;
  dataDir: string;
  storeDir: string;
}

export async function serverFiles(provider: TTestProvider): Promise<TServerFiles> {
  const dataDir = tempDir();
  const url =
    provider.provider === "sqlite"
      ? `file:${path.join(dataDir, "kiln.db")}`
      : (await database(provider)).url;
  return { url, dataDir, storeDir: path.join(dataDir, "artifacts") };
}

export function storageOf(files: TServerFiles): TBackupStorage {
  return {
    databaseUrl: files.url,
    store: createDirectoryArtifactStore({ root: files.storeDir }),
    storeKind: "directory",
    dataDir: files.dataDir,
    artifactsRoot: files.storeDir,
    // pg_dump and pg_restore find their way as the test process does.
    // eslint-disable-next-line no-restricted-properties
    pgTools: { env: process.env },
  };
}

export function open(files: TServerFiles, secretKey = KEY): { db: Db; deps: ServerDeps } {
  const db = createDb({ url: files.url });
  return { db, deps: testServerDeps(db, { storeDir: files.storeDir, config: { secretKey } }) };
}

export interface TSeeded {
  admin: Actor;
  recipeId: string;
  /** Build number → its log bytes and artifact bytes. */
  builds: Map<number, { id: string; log: Buffer; artifact: Buffer }>;
}

/** Two builds with binary logs and an artifact each, and a recipe with an encrypted secret. */
export async function seed(deps: ServerDeps): Promise<TSeeded> {
  const p = deps.db.prisma;
  const user = await p.user.create({ data: { email: "admin@test", role: "admin" } });
  const team = await p.team.create({ data: { slug: "a", name: "A" } });
  const recipe = await p.recipe.create({ data: { teamId: team.id, name: "web" } });
  const secret = encryptSecret(deps.config, recipe.id, "DIB_TOKEN", "hunter2 s3cret");
  await p.recipeVersion.create({
    data: {
      recipeId: recipe.id,
      version: 1,
      elements: "[]",
      outputTypes: '["qcow2"]',
      env: JSON.stringify([{ name: "DIB_TOKEN", value: secret, secret: true }]),
    },
  });
  const builds: TSeeded["builds"] = new Map();
  for (const number of [1, 2]) {
    const build = await p.build.create({
      data: { number, request: REQUEST, status: "SUCCEEDED", teamId: team.id, recipeId: recipe.id },
    });
    // Not UTF-8: the log must come back byte for byte.
    const log = Buffer.concat([randomBytes(3000), Buffer.from([0xff, 0xfe, 0x00, 0x80])]);
    for (let seq = 0; seq * 1000 < log.length; seq += 1) {
      const data = log.subarray(seq * 1000, (seq + 1) * 1000);
      await appendLogChunk(deps, { buildId: build.id, seq, offset: seq * 1000, data });
    }
    const artifact = randomBytes(50_000 + number);
    const put = await deps.store.put(artifactStorageKey(build.id, "image.qcow2"), artifact);
    await p.artifact.create({
      data: {
        buildId: build.id,
        type: "qcow2",
        fileName: "image.qcow2",
        sizeBytes: put.size,
        sha256: put.sha256,
        md5: "0".repeat(32),
        storageKey: artifactStorageKey(build.id, "image.qcow2"),
      },
    });
    builds.set(number, { id: build.id, log, artifact });
  }
  return {
    admin: { userId: user.id, email: user.email, role: "admin" },
    recipeId: recipe.id,
    builds,
  };
}

/** A migrated and seeded server's storage; its database is closed again, its deps' logger still serves. */
export async function seededServer(
  provider: TTestProvider,
): Promise<{ files: TServerFiles; deps: ServerDeps; seeded: TSeeded }> {
  const files = await serverFiles(provider);
  await migrateDatabase({ url: files.url });
  const server = open(files);
  const seeded = await seed(server.deps);
  await server.db.close();
  return { files, deps: server.deps, seeded };
}

/** Removes a server's database and artifacts, as a lost disk would. */
export async function wipe(files: TServerFiles, provider: TTestProvider): Promise<TServerFiles> {
  rmSync(files.dataDir, { recursive: true, force: true });
  // PostgreSQL: a new, empty database stands in for the lost one.
  return provider.provider === "sqlite" ? files : { ...files, url: (await database(provider)).url };
}

export async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
