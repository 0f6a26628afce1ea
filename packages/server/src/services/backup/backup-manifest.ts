/**
 * A backup directory's `manifest.json`: what was backed up, from which Kiln
 * and schema level, and the size and sha256 of every other file in the
 * directory, so a restore can prove the copy intact before touching anything.
 * It is written last: a directory without one is an unfinished backup.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../../app-error.ts";

export const MANIFEST_FILE = "manifest.json";

const ZFileEntry = z.object({
  /** Relative to the backup directory, `/`-separated. */
  path: z
    .string()
    .min(1)
    .refine(
      (rel) =>
        !rel.startsWith("/") && rel.split("/").every((seg) => seg && seg !== ".." && seg !== "."),
      "must be a plain relative path",
    ),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TBackupFile = z.infer<typeof ZFileEntry>;

export const ZBackupManifest = z.object({
  format: z.literal("kiln-backup"),
  formatVersion: z.literal(1),
  kilnVersion: z.string(),
  createdAt: z.string(),
  database: z.object({
    kind: z.enum(["sqlite", "postgresql"]),
    /** The dump's path in the directory. */
    file: z.string(),
    /** The last migration applied: the schema level. */
    migrationLevel: z.string().nullable(),
    migrations: z.array(z.string()),
    /** Rows per table. */
    counts: z.record(z.string(), z.number().int().min(0)),
    serverVersion: z.string().optional(),
    dumpedWith: z.string().optional(),
  }),
  artifacts: z.object({
    store: z.enum(["directory", "s3"]),
    /** False when only the keys were listed (the objects are backed up by other means). */
    copied: z.boolean(),
    count: z.number().int().min(0),
    bytes: z.number().int().min(0),
    /** Every object's key and size; its bytes are `artifacts/<key>` when copied. */
    objects: z.array(z.object({ key: z.string(), size: z.number().int().min(0) })),
  }),
  /** Every file of the backup but this manifest. */
  files: z.array(ZFileEntry),
  /** Read by people: what the backup leaves out, and why. */
  note: z.string(),
});
export type TBackupManifest = z.infer<typeof ZBackupManifest>;

/** Size and sha256 of a file. */
export async function describeFile(dir: string, rel: string): Promise<TBackupFile> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path.join(dir, ...rel.split("/")))) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path: rel, size, sha256: hash.digest("hex") };
}

function refused(dir: string, detail: string): AppError {
  return new AppError("INVALID_INPUT", `${dir}: ${detail}`, "dir");
}

/**
 * Reads the manifest and checks every file it lists against its size and
 * sha256. Throws naming the first file that is missing or differs.
 */
export async function readVerifiedManifest(dir: string): Promise<TBackupManifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    throw refused(dir, `no ${MANIFEST_FILE}: not a Kiln backup, or one that did not finish`);
  }
  let manifest: TBackupManifest;
  try {
    manifest = ZBackupManifest.parse(JSON.parse(text));
  } catch {
    throw refused(dir, `${MANIFEST_FILE} is damaged or not a Kiln backup manifest`);
  }
  const listed = new Set(manifest.files.map((file) => file.path));
  const copiedKeys = manifest.artifacts.copied ? manifest.artifacts.objects : [];
  for (const rel of [manifest.database.file, ...copiedKeys.map((o) => `artifacts/${o.key}`)]) {
    if (!listed.has(rel)) throw refused(dir, `${MANIFEST_FILE} does not list ${rel}`);
  }
  for (const expected of manifest.files) {
    const found = await stat(path.join(dir, ...expected.path.split("/"))).catch(() => null);
    if (!found?.isFile()) throw refused(dir, `${expected.path} is missing`);
    const actual = await describeFile(dir, expected.path);
    if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
      throw refused(
        dir,
        `${expected.path} is damaged (sha256 ${actual.sha256}, ${actual.size} bytes; ` +
          `the manifest says ${expected.sha256}, ${expected.size} bytes): nothing was restored`,
      );
    }
  }
  return manifest;
}
