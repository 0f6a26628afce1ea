import fs from "node:fs";
import path from "node:path";
import { ElementFileError } from "../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Show a path whose bytes may not be UTF-8, escaping the bad bytes. */
export function showPath(p: string | Buffer): string {
  if (typeof p === "string") return p;
  try {
    return utf8.decode(p);
  } catch {
    return Array.from(p)
      .map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`))
      .join("");
  }
}

/**
 * List a directory's entry names, refusing names that are not valid UTF-8
 * (they could not be passed through the environment or JSON faithfully).
 */
export function readDirNames(dir: string): string[] {
  let raw: Buffer[];
  try {
    raw = fs.readdirSync(dir, { encoding: "buffer" });
  } catch (err) {
    throw new ElementFileError(dir, `cannot read directory (${errCode(err)})`, { cause: err });
  }
  return raw.map((name) => {
    try {
      return utf8.decode(name);
    } catch {
      const shown = path.join(dir, showPath(name));
      throw new ElementFileError(shown, "file name is not valid UTF-8; rename it");
    }
  });
}

/**
 * Read a newline-separated list file (`element-deps`, `element-provides`):
 * every line stripped, empty lines dropped. A missing file is an empty list;
 * any other failure names the file. Like DIB, `#` is not a comment.
 */
export function readListFile(file: string): string[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    if (errCode(err) === "ENOENT") return [];
    throw new ElementFileError(file, `cannot read (${errCode(err)})`, { cause: err });
  }
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch (err) {
    throw new ElementFileError(file, "not valid UTF-8", { cause: err });
  }
  const names: string[] = [];
  for (const line of text.split("\n")) {
    const name = line.trim();
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The errno code of a Node fs error, or "error". */
export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? "error";
}
