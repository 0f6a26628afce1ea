import { createHash, randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb, type Db } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { TTestDatabase, TTestProvider } from "@kiln/db/testing";
import { silentLogger } from "@kiln/contracts/logger";
import { afterAll, expect } from "vitest";
import type { Actor, ServerDeps } from "../../context.ts";
import { describeEachProvider } from "../../testing/describe-each-provider.ts";
import { startLogWriter } from "../../testing/log-writer-process.ts";
import { testServerDeps } from "../../testing/test-server-deps.ts";
import { appendLogChunk } from "../builds/append-log-chunk.ts";
import { openArtifact, readWholeBuildLog } from "../builds/build-downloads.ts";
import { artifactStorageKey } from "../builds/record-artifact.ts";
import { decryptSecret, encryptSecret } from "../recipes/recipe-secrets.ts";
import { createBackup, type TBackupStorage } from "./create-backup.ts";
import { restoreBackup, verifyBackup } from "./restore-backup.ts";

const KEY = "the server's secret key, 32+ chars";
const REQUEST = JSON.stringify({ elements: ["ubuntu", "vm"], arch: "amd64" });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-backup-test-"));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function database(provider: TTestProvider): Promise<TTestDatabase> {
  const made = await provider.create();
  cleanup.push(() => made.drop());
  return made;
}

/** A server's storage: its database, and a directory store under `dataDir`. */
interface TServerFiles {
  url: string;
  dataDir: string;
  storeDir: string;
}

async function serverFiles(provider: TTestProvider): Promise<TServerFiles> {
  const dataDir = tempDir();
  const url =
    provider.provider === "sqlite"
      ? `file:${path.join(dataDir, "kiln.db")}`
      : (await database(provider)).url;
  return { url, dataDir, storeDir: path.join(dataDir, "artifacts") };
}

function storageOf(files: TServerFiles): TBackupStorage {
  return {
    databaseUrl: files.url,
    store: createDirectoryArtifactStore({ root: files.storeDir }),
    storeKind: "directory",
    dataDir: files.dataDir,
    artifactsRoot: files.storeDir,
    pgTools: { env: process.env },
  };
}

function open(files: TServerFiles, secretKey = KEY): { db: Db; deps: ServerDeps } {
  const db = createDb({ url: files.url });
  return { db, deps: testServerDeps(db, { storeDir: files.storeDir, config: { secretKey } }) };
}

interface TSeeded {
  admin: Actor;
  recipeId: string;
  /** Build number → its log bytes and artifact bytes. */
  builds: Map<number, { id: string; log: Buffer; artifact: Buffer }>;
}

/** Two builds with binary logs and an artifact each, and a recipe with an encrypted secret. */
async function seed(deps: ServerDeps): Promise<TSeeded> {
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

/** Removes a server's database and artifacts, as a lost disk would. */
async function wipe(files: TServerFiles, provider: TTestProvider): Promise<TServerFiles> {
  rmSync(files.dataDir, { recursive: true, force: true });
  // PostgreSQL: a new, empty database stands in for the lost one.
  return provider.provider === "sqlite" ? files : { ...files, url: (await database(provider)).url };
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describeEachProvider("backup and restore", (provider, run) => {
  run(
    "round trip: the same builds, byte-identical logs, artifacts and decryptable secrets",
    { timeout: 120_000 },
    async () => {
      const files = await serverFiles(provider);
      await migrateDatabase({ url: files.url });
      const before = open(files);
      const seeded = await seed(before.deps);
      await before.db.close();
      // A generated key file, as the server makes without KILN_SECRET_KEY.
      writeFileSync(path.join(files.dataDir, "secret.key"), `${KEY}\n`, { mode: 0o600 });

      const dir = path.join(tempDir(), "backup");
      const manifest = await createBackup(storageOf(files), {
        dir,
        kilnVersion: "9.9.9",
        copyArtifacts: true,
      });
      expect(manifest.database).toMatchObject({
        kind: provider.provider,
        migrationLevel: manifest.database.migrations.at(-1),
      });
      expect(manifest.database.counts).toMatchObject({
        Build: 2,
        Artifact: 2,
        LogChunk: 8,
        RecipeVersion: 1,
      });
      expect(manifest.artifacts).toMatchObject({ store: "directory", copied: true, count: 2 });
      expect(manifest.note).toMatch(/does not contain the key that encrypts recipe secrets/);
      // The key never lands in the backup.
      const backedUp = readdirSync(dir, { recursive: true }).map(String);
      expect(backedUp.some((name) => name.includes("secret.key"))).toBe(false);
      for (const name of backedUp) {
        const file = path.join(dir, name);
        if (statSync(file).isFile()) expect(readFileSync(file).includes(KEY)).toBe(false);
      }
      expect(statSync(dir).mode & 0o077).toBe(0);

      const target = await wipe(files, provider);
      const result = await restoreBackup(storageOf(target), {
        dir,
        force: false,
        logger: before.deps.logger,
      });
      expect(result).toMatchObject({ appliedMigrations: [], artifactsRestored: 2 });

      const after = open(target);
      try {
        const builds = await after.db.prisma.build.findMany({ orderBy: { number: "asc" } });
        expect(builds.map((build) => [build.number, build.status])).toEqual([
          [1, "SUCCEEDED"],
          [2, "SUCCEEDED"],
        ]);
        for (const [, original] of seeded.builds) {
          const log = await bytesOf(await readWholeBuildLog(after.deps, seeded.admin, original.id));
          expect(log.equals(original.log)).toBe(true);
          const artifact = await after.db.prisma.artifact.findFirstOrThrow({
            where: { buildId: original.id },
          });
          const download = await openArtifact(after.deps, seeded.admin, original.id, artifact.id);
          expect(sha256(await bytesOf(download.stream))).toBe(sha256(original.artifact));
        }
        const version = await after.db.prisma.recipeVersion.findFirstOrThrow();
        const stored = (JSON.parse(version.env) as { value: string }[])[0]!.value;
        expect(decryptSecret(after.deps.config, seeded.recipeId, "DIB_TOKEN", stored)).toBe(
          "hunter2 s3cret",
        );
        const otherKey = { ...after.deps.config, secretKey: "another key of 32 characters...." };
        expect(() => decryptSecret(otherKey, seeded.recipeId, "DIB_TOKEN", stored)).toThrow(
          /cannot be decrypted/,
        );
      } finally {
        await after.db.close();
      }

      // A second restore into the now filled database needs --force.
      await expect(
        restoreBackup(storageOf(target), { dir, force: false, logger: before.deps.logger }),
      ).rejects.toThrow(/not empty/);
    },
  );

  run("refuses a damaged backup before touching the database", { timeout: 60_000 }, async () => {
    const files = await serverFiles(provider);
    await migrateDatabase({ url: files.url });
    const server = open(files);
    await seed(server.deps);
    await server.db.close();
    const dir = path.join(tempDir(), "backup");
    const manifest = await createBackup(storageOf(files), {
      dir,
      kilnVersion: "9.9.9",
      copyArtifacts: true,
    });

    const artifact = path.join(dir, manifest.files[1]!.path);
    const bytes = readFileSync(artifact);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(artifact, bytes);
    const target = await wipe(files, provider);
    const restoring = restoreBackup(storageOf(target), {
      dir,
      force: true,
      logger: server.deps.logger,
    });
    await expect(restoring).rejects.toThrow(new RegExp(`${manifest.files[1]!.path} is damaged`));
    if (provider.provider === "sqlite")
      expect(existsSync(path.join(target.dataDir, "kiln.db"))).toBe(false);

    rmSync(path.join(dir, manifest.database.file));
    await expect(verifyBackup(dir)).rejects.toThrow(/is missing/);
    rmSync(path.join(dir, "manifest.json"));
    await expect(verifyBackup(dir)).rejects.toThrow(
      /no manifest.json: not a Kiln backup, or one that did not finish/,
    );
  });

  run(
    "restores an older backup and applies the migrations it lacks",
    { timeout: 60_000 },
    async () => {
      const older = tempDir();
      cpSync(path.resolve(import.meta.dirname, "../../../../../prisma"), older, {
        recursive: true,
      });
      const migrations = path.join(
        older,
        provider.provider === "sqlite" ? "sqlite" : "pg",
        "migrations",
      );
      const newest = readdirSync(migrations)
        .filter((name) => !name.endsWith(".toml"))
        .sort()
        .at(-1)!;
      rmSync(path.join(migrations, newest), { recursive: true });
      const files = await serverFiles(provider);
      await migrateDatabase({ url: files.url, prismaDir: older });
      const dir = path.join(tempDir(), "backup");
      const manifest = await createBackup(storageOf(files), {
        dir,
        kilnVersion: "0.0.1",
        copyArtifacts: true,
      });
      expect(manifest.database.migrations).not.toContain(newest);

      const target = await wipe(files, provider);
      const result = await restoreBackup(storageOf(target), {
        dir,
        force: false,
        logger: silentLogger,
      });
      expect(result.appliedMigrations).toEqual([newest]);
    },
  );

  run(
    "with --skip-artifacts lists the objects, and restore names those the store lacks",
    async () => {
      const files = await serverFiles(provider);
      await migrateDatabase({ url: files.url });
      const server = open(files);
      const seeded = await seed(server.deps);
      await server.db.close();
      const dir = path.join(tempDir(), "backup");
      const options = { dir, kilnVersion: "9.9.9", copyArtifacts: false };
      const manifest = await createBackup(storageOf(files), options);
      expect(manifest.artifacts).toMatchObject({ copied: false, count: 2 });
      expect(manifest.note).toMatch(/back the bucket up with its own tools/);
      expect(readdirSync(dir).sort()).toEqual([manifest.database.file, "manifest.json"].sort());

      const target = await wipe(files, provider);
      const result = await restoreBackup(storageOf(target), {
        dir,
        force: false,
        logger: silentLogger,
      });
      const keys = [...seeded.builds.values()].map((build) =>
        artifactStorageKey(build.id, "image.qcow2"),
      );
      expect(result.missingArtifacts.sort()).toEqual(keys.sort());
    },
  );

  run("takes a consistent copy while the server writes", { timeout: 120_000 }, async () => {
    const files = await serverFiles(provider);
    await migrateDatabase({ url: files.url });
    const server = open(files);
    const build = await server.db.prisma.build.create({
      data: { number: 1, request: "{}", status: "RUNNING" },
    });
    await server.db.close();
    const writer = startLogWriter(files.url, build.id, files.storeDir);
    let manifest;
    const dir = path.join(tempDir(), "backup");
    try {
      await writer.reached(50);
      manifest = await createBackup(storageOf(files), {
        dir,
        kilnVersion: "9.9.9",
        copyArtifacts: true,
      });
      const chunksInCopy = manifest.database.counts.LogChunk!;
      // The writer goes on after the copy: the backup never stopped it.
      await writer.reached(chunksInCopy + 50);
    } finally {
      await writer.stop();
    }
    const target = await wipe(files, provider);
    await restoreBackup(storageOf(target), { dir, force: false, logger: server.deps.logger });
    const copy = open(target);
    try {
      const restored = await copy.db.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
      const chunks = await copy.db.prisma.logChunk.findMany({
        where: { buildId: build.id },
        orderBy: { seq: "asc" },
      });
      expect(chunks.length).toBe(manifest.database.counts.LogChunk);
      expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_, index) => index));
      // Each chunk's commit raised logBytes in the same transaction: a torn copy would disagree.
      expect(restored.logBytes).toBe(chunks.reduce((sum, chunk) => sum + chunk.data.length, 0));
    } finally {
      await copy.db.close();
    }
  });

  run("refuses to write a backup into the data directory or a used directory", async () => {
    const files = await serverFiles(provider);
    await migrateDatabase({ url: files.url });
    const options = { kilnVersion: "9.9.9", copyArtifacts: true };
    await expect(
      createBackup(storageOf(files), { ...options, dir: path.join(files.dataDir, "backups") }),
    ).rejects.toThrow(/inside the data directory \(it holds secret.key\)/);
    const used = tempDir();
    writeFileSync(path.join(used, "old"), "");
    await expect(createBackup(storageOf(files), { ...options, dir: used })).rejects.toThrow(
      /is not empty/,
    );

    if (provider.provider === "postgresql") {
      // A failed backup leaves no half-written directory behind.
      const dir = path.join(tempDir(), "backup");
      const noTools = { ...storageOf(files), pgTools: { env: process.env, binDir: tempDir() } };
      await expect(createBackup(noTools, { ...options, dir })).rejects.toThrow(/pg_dump not found/);
      expect(existsSync(dir)).toBe(false);
    }
  });
});
