import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "../logger.ts";

/**
 * Test support: write `{ element: { file: content } }` under a fresh temp
 * directory and return the directory plus element refs in the given order.
 */
export function makeElementTree(tree: Record<string, Record<string, string>>): {
  root: string;
  elements: { name: string; path: string }[];
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-pkgs-"));
  const elements = Object.entries(tree).map(([name, files]) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, file), content);
    }
    return { name, path: dir };
  });
  return { root, elements };
}

/** Test support: a logger that keeps every line as `level: message`. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
