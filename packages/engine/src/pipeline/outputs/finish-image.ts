/**
 * DIB's `finish_image` (spec §6.2): rotate an old image out of the way,
 * move the new file into place, write `.md5`/`.sha256` files in GNU
 * coreutils format. Hashing is done in-process in one streaming pass.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import type { Logger } from "@kiln/contracts/logger";

export type ChecksumKind = "md5" | "sha256";

/**
 * Which checksum files `DIB_CHECKSUM` asks for: `true`/`"1"` → both;
 * `false`/`""`/`"0"` → none; any other string is searched for `md5` and `sha256`.
 */
export function checksumKinds(checksum: boolean | string | undefined): ChecksumKind[] {
  if (checksum === undefined || checksum === false || checksum === "" || checksum === "0") {
    return [];
  }
  if (checksum === true || checksum === "1") return ["md5", "sha256"];
  return (["md5", "sha256"] as const).filter((k) => checksum.includes(k));
}

/** md5 and sha256 of a file, and its size, reading it once. */
export async function hashFile(
  file: string,
  signal?: AbortSignal,
): Promise<{ md5: string; sha256: string; bytes: number }> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
      done();
    },
  });
  await pipeline(
    fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    sink,
    signal ? { signal } : {},
  );
  return { md5: md5.digest("hex"), sha256: sha256.digest("hex"), bytes };
}

/**
 * One line of `md5sum <name>` output. GNU coreutils escapes a name holding a
 * backslash or newline and then starts the line with a backslash.
 */
export function checksumLine(hex: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hex}  ${name}\n`;
  const escaped = name.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return `\\${hex}  ${escaped}\n`;
}

/** `<base>-%Y.%m.%d-%H.%M.%S.<ext>` in local time, as `date` prints it for DIB. */
export function rotatedName(file: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp =
    `${now.getFullYear()}.${p(now.getMonth() + 1)}.${p(now.getDate())}-` +
    `${p(now.getHours())}.${p(now.getMinutes())}.${p(now.getSeconds())}`;
  const dot = file.lastIndexOf(".");
  if (dot < 0) return `${file}-${stamp}.${file}`;
  return `${file.slice(0, dot)}-${stamp}${file.slice(dot)}`;
}

export interface FinishImageOptions {
  /** The finished file, complete, at its temporary path (`<path>-new`). */
  newPath: string;
  /** Its final absolute path. */
  path: string;
  /** The name as the user gave it (`$IMAGE_NAME.<ext>`): written into checksum lines. */
  displayName: string;
  checksums: ChecksumKind[];
  /** Replace an existing file instead of renaming it aside (`OVERWRITE_OLD_IMAGE=1`). */
  overwrite: boolean;
  now: () => Date;
  logger: Logger;
  signal?: AbortSignal;
}

/** Rotate, move into place, hash; returns the digests and the checksum files written. */
export async function finishImage(o: FinishImageOptions): Promise<{
  md5: string;
  sha256: string;
  bytes: number;
  checksumFiles: string[];
}> {
  if (!o.overwrite && fs.existsSync(o.path)) {
    const old = rotatedName(o.path, o.now());
    o.logger.info(`Old image found. Renaming it to ${old}`);
    fs.renameSync(o.path, old);
    for (const ext of [".md5", ".sha256"]) {
      if (fs.existsSync(o.path + ext)) fs.renameSync(o.path + ext, old + ext);
    }
  }
  fs.renameSync(o.newPath, o.path);
  // A checksum file left from an overwritten image would not match the new one.
  for (const kind of ["md5", "sha256"] as const) {
    if (!o.checksums.includes(kind)) fs.rmSync(`${o.path}.${kind}`, { force: true });
  }
  const digests = await hashFile(o.path, o.signal);
  const checksumFiles: string[] = [];
  for (const kind of o.checksums) {
    const file = `${o.path}.${kind}`;
    fs.writeFileSync(file, checksumLine(digests[kind], o.displayName));
    checksumFiles.push(file);
  }
  o.logger.info(`Image file ${o.displayName} created...`);
  return { ...digests, checksumFiles };
}
