import path from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseUrlError } from "./errors.ts";

export type TDbProvider = "sqlite" | "postgresql";

export type TDatabaseTarget =
  | { provider: "sqlite"; /** absolute path of the database file */ file: string }
  | { provider: "postgresql"; /** the URL, handed to pg unchanged */ url: string };

/**
 * Reads `file:/abs/kiln.db`, `file:./rel.db` (relative to `cwd`),
 * `file:///abs/kiln.db`, `postgresql://…` or `postgres://…`.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): TDatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DatabaseUrlError(url, "not a valid URL");
    }
    if (!parsed.pathname.slice(1)) throw new DatabaseUrlError(url, "no database name");
    // Prisma's ?schema= would have to reach both the adapter and the
    // migration runner; Kiln uses the user's default search_path instead.
    if (parsed.searchParams.has("schema")) {
      throw new DatabaseUrlError(url, "?schema= is not supported; use a database of its own");
    }
    return { provider: "postgresql", url };
  }
  if (url.startsWith("file:")) {
    const rest = url.slice("file:".length);
    if (rest.includes("?")) throw new DatabaseUrlError(url, "SQLite URLs take no parameters");
    const file = rest.startsWith("//") ? fileURLToPath(url) : path.resolve(cwd, rest);
    if (!rest || file.endsWith(path.sep)) throw new DatabaseUrlError(url, "no file name");
    return { provider: "sqlite", file };
  }
  throw new DatabaseUrlError(url, "expected file:<path> (SQLite) or postgresql://… (PostgreSQL)");
}
