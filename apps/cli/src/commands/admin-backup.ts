import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { AppError } from "@kiln/server/app-error";
import type { TBackupManifest } from "@kiln/server/services/backup/backup-manifest";
import { createBackup } from "@kiln/server/services/backup/create-backup";
import { restoreBackup, verifyBackup } from "@kiln/server/services/backup/restore-backup";
import { backupStorageFrom } from "../server-config.ts";
import type { AdminIO } from "./admin.ts";

/** Service refusals (a used directory, a damaged backup) are usage errors. */
function asCliError(err: unknown): unknown {
  if (err instanceof AppError && err.code !== "INTERNAL") {
    return new KilnError("USAGE", err.message, { cause: err });
  }
  return err;
}

function kilnVersion(): string {
  const pkg = path.resolve(import.meta.dirname, "..", "..", "..", "..", "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version?: string }).version ?? "0.0.0";
}

function secretKeyWarning(dataDir: string): string {
  return (
    "WARNING: this backup does NOT contain the secret key that encrypts recipe secrets.\n" +
    `  The key is KILN_SECRET_KEY, or ${path.join(dataDir, "secret.key")} when that variable is unset.\n` +
    "  Keep a copy of it apart from this backup (a password manager, a secrets vault):\n" +
    "  - without it, the recipe secrets in this backup cannot be decrypted;\n" +
    "  - stored next to the backup, it lets whoever obtains the backup read every secret.\n"
  );
}

function databaseLine(manifest: TBackupManifest): string {
  const { database } = manifest;
  const counts = database.counts;
  return (
    `  database: ${database.kind}, schema ${database.migrationLevel ?? "(none)"}, ` +
    `${counts.Build ?? 0} builds, ${counts.LogChunk ?? 0} log chunks, ${counts.User ?? 0} users, ` +
    `${counts.Recipe ?? 0} recipes\n`
  );
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `kiln admin backup DIR` and `kiln admin restore DIR`. */
export function registerBackupCommands(admin: Command, io: AdminIO): void {
  const tools = () => io.backupTools?.() ?? { pgBinDir: undefined, toolEnv: {} };

  admin
    .command("backup")
    .description(
      "write a consistent copy of the server's database and artifacts into a new directory " +
        "(the server may keep running); never copies the secret key",
    )
    .argument("<dir>", "a new or empty directory outside the data directory")
    .option(
      "--skip-artifacts",
      "list the artifact objects (key, size) without copying them, for a bucket backed up with its own tools",
    )
    .action(async (dir: string, flags: { skipArtifacts?: boolean }) => {
      const storage = backupStorageFrom(io.serverEnv(), tools());
      const manifest = await createBackup(storage, {
        dir,
        kilnVersion: kilnVersion(),
        copyArtifacts: !flags.skipArtifacts,
      }).catch((err: unknown) => {
        throw asCliError(err);
      });
      const { artifacts } = manifest;
      io.out(
        `backup written to ${path.resolve(dir)}\n` +
          databaseLine(manifest) +
          `  artifacts: ${artifacts.count} objects (${mib(artifacts.bytes)}) ` +
          `${artifacts.copied ? "copied" : "listed, NOT copied"} from the ${artifacts.store} store\n`,
      );
      io.err?.(secretKeyWarning(storage.dataDir));
      if (!artifacts.copied) {
        io.err?.(
          "WARNING: the artifact objects are not in this backup: back the bucket up with its own tools.\n",
        );
      }
    });

  admin
    .command("restore")
    .description(
      "check a backup's files against its manifest, then restore the database (into an empty one) " +
        "and the artifacts; stop the server first",
    )
    .argument("<dir>", "a directory written by kiln admin backup")
    .option("--force", "replace a database that already holds data")
    .option("--verify-only", "check the backup's files and stop")
    .action(async (dir: string, flags: { force?: boolean; verifyOnly?: boolean }) => {
      if (flags.verifyOnly) {
        const manifest = await verifyBackup(dir).catch((err: unknown) => {
          throw asCliError(err);
        });
        io.out(
          `backup ${path.resolve(dir)} is intact (${manifest.files.length} files checked), ` +
            `made ${manifest.createdAt} by Kiln ${manifest.kilnVersion}\n` +
            databaseLine(manifest),
        );
        return;
      }
      const storage = backupStorageFrom(io.serverEnv(), tools());
      const result = await restoreBackup(storage, {
        dir,
        force: !!flags.force,
        logger: io.logger(),
      }).catch((err: unknown) => {
        throw asCliError(err);
      });
      const applied = result.appliedMigrations;
      io.out(
        `restored ${path.resolve(dir)} (made ${result.manifest.createdAt} by Kiln ${result.manifest.kilnVersion})\n` +
          databaseLine(result.manifest) +
          (applied.length
            ? `  applied ${applied.length} newer migration(s): ${applied.join(", ")}\n`
            : "") +
          `  artifacts: ${result.artifactsRestored} objects put back\n`,
      );
      if (result.missingArtifacts.length > 0) {
        io.err?.(
          `WARNING: ${result.missingArtifacts.length} artifact objects listed in the backup are not in ` +
            `the store (e.g. ${result.missingArtifacts[0]}): restore them with the bucket's tools.\n`,
        );
      }
      io.err?.(
        "Start the server with the SAME secret key as when the backup was made: KILN_SECRET_KEY, or " +
          `${path.join(storage.dataDir, "secret.key")} put back from where you keep it.\n` +
          "With another key the recipe secrets cannot be decrypted and must be entered again.\n",
      );
    });
}
