import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { migrateDatabase } from "@kiln/db/migrate";
import { silentLogger } from "@kiln/contracts/logger";
import { afterAll, expect } from "vitest";
import {
  bytesOf,
  cleanUpBackupFixtures,
  KEY,
  open,
  seededServer,
  serverFiles,
  sha256,
  storageOf,
  tempDir,
  wipe,
} from "../../testing/backup-fixture.ts";
import { describeEachProvider } from "../../testing/describe-each-provider.ts";
import { startLogWriter } from "../../testing/log-writer-process.ts";
import { openArtifact, readWholeBuildLog } from "../builds/build-downloads.ts";
import { artifactStorageKey } from "../builds/record-artifact.ts";
import { decryptSecret } from "../recipes/recipe-secrets.ts";
import { createBackup } from "./create-backup.ts";
import { restoreBackup, verifyBackup } from "./restore-backup.ts";

afterAll(cleanUpBackupFixtures);

describeEachProvider("backup and restore", (provider, run) => {
  run(
    "round trip: the same builds, byte-identical logs, artifacts and decryptable secrets",
    { timeout: 120_000 },
    async () => {
      const { files, deps, seeded } = await seededServer(provider);
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
        logger: deps.logger,
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
        restoreBackup(storageOf(target), { dir, force: false, logger: deps.logger }),
      ).rejects.toThrow(/not empty/);
    },
  );

  run("refuses a damaged backup before touching the database", { timeout: 60_000 }, async () => {
    const { files, deps } = await seededServer(provider);
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
      logger: deps.logger,
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

      // The other way round: a Kiln that lacks a migration of the backup refuses it.
      const full = path.join(tempDir(), "full");
      await createBackup(storageOf(target), {
        dir: full,
        kilnVersion: "9.9.9",
        copyArtifacts: true,
      });
      const lost = await wipe(target, provider);
      await expect(
        restoreBackup(storageOf(lost), {
          dir: full,
          force: false,
          logger: silentLogger,
          prismaDir: older,
        }),
      ).rejects.toThrow(
        new RegExp(`made by a newer Kiln \\(9\\.9\\.9; migration ${newest} is unknown here\\)`),
      );
    },
  );

  run(
    "with --skip-artifacts lists the objects, and restore names those the store lacks",
    async () => {
      const { files, seeded } = await seededServer(provider);
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
