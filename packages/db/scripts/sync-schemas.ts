/**
 * Renders prisma/sqlite/schema.prisma and prisma/pg/schema.prisma from
 * prisma/models.prisma, the single source of Kiln's data model. A Prisma schema
 * fixes its provider, so each database needs its own file; only the header and
 * a few PostgreSQL column types differ.
 *
 *   tsx packages/db/scripts/sync-schemas.ts          write both schemas
 *   tsx packages/db/scripts/sync-schemas.ts --check  exit 1 if either is stale (CI)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type TProviderName = "sqlite" | "pg";

/** Repository root, three levels above this script. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * PostgreSQL native types that beat Prisma's defaults, keyed by Prisma scalar
 * type. Prisma already maps String to `text` (no length limit, so JSON and
 * README columns need no `@db.Text`), BigInt to `bigint`, Bytes to `bytea` and
 * Float to `double precision`; DateTime defaults to `timestamp(3)` without a
 * zone, which reads as local time in psql and reporting tools, so it becomes
 * `timestamptz(3)`. The client API is the same either way.
 */
export const pgNativeTypes: Readonly<Record<string, string>> = {
  DateTime: "@db.Timestamptz(3)",
};

const datasource: Record<TProviderName, { provider: string; envVar: string }> = {
  sqlite: { provider: "sqlite", envVar: "KILN_SQLITE_URL" },
  pg: { provider: "postgresql", envVar: "KILN_PG_URL" },
};

/** Thrown when models.prisma holds something the renderer cannot take. */
export class ModelsFileError extends Error {
  constructor(file: string, line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.name = "ModelsFileError";
  }
}

function header(provider: TProviderName): string {
  const ds = datasource[provider];
  return [
    "// GENERATED from prisma/models.prisma by packages/db/scripts/sync-schemas.ts.",
    "// Do not edit: change models.prisma, then run `npm run -w @kiln/db sync-schemas`.",
    "",
    "generator client {",
    '  provider               = "prisma-client"',
    `  output                 = "../../packages/db/src/generated/${provider}"`,
    '  engineType             = "client"',
    '  runtime                = "nodejs"',
    '  moduleFormat           = "esm"',
    '  generatedFileExtension = "ts"',
    '  importFileExtension    = "ts"',
    "}",
    "",
    "// The URL is unused (the CLI and the runtime connect through driver adapters)",
    "// but must resolve, or the CLI falls back to downloading a query engine.",
    "datasource db {",
    `  provider = "${ds.provider}"`,
    `  url      = env("${ds.envVar}")`,
    "}",
    "",
  ].join("\n");
}

const fieldLine = /^(\s+)([A-Za-z_]\w*)(\s+)([A-Za-z_]\w*)(\?|\[\])?(.*)$/;

/** Adds the PostgreSQL native type to one field line where the mapping asks for it. */
function tweakPgField(line: string): string {
  const m = fieldLine.exec(line);
  if (!m) return line;
  const [, , , , type, modifier = "", rest = ""] = m;
  const native = type ? pgNativeTypes[type] : undefined;
  if (!native || modifier === "[]" || rest.includes("@db.")) return line;
  const commentAt = rest.indexOf("//");
  const attrs = commentAt >= 0 ? rest.slice(0, commentAt).trimEnd() : rest.trimEnd();
  const comment = commentAt >= 0 ? " " + rest.slice(commentAt) : "";
  return line.slice(0, line.length - rest.length) + attrs + " " + native + comment;
}

/**
 * Returns the body shared by both schemas with provider tweaks applied.
 * Rejects generator/datasource blocks: those belong to the rendered headers.
 */
export function renderBody(
  models: string,
  provider: TProviderName,
  file = "models.prisma",
): string {
  const lines = models.replace(/\r\n/g, "\n").split("\n");
  let inModel = false;
  const out = lines.map((line, i) => {
    const block = /^\s*(generator|datasource|model|enum|type|view)\s+\w+\s*\{/.exec(line);
    if (block?.[1] === "generator" || block?.[1] === "datasource") {
      throw new ModelsFileError(file, i + 1, `${block[1]} blocks belong in the rendered schemas`);
    }
    if (block) inModel = block[1] === "model";
    else if (/^\}/.test(line)) inModel = false;
    else if (inModel && provider === "pg" && !/^\s*(\/\/|@@)/.test(line)) return tweakPgField(line);
    return line;
  });
  return out.join("\n").replace(/\n*$/, "\n");
}

/** The complete text of one provider's schema. */
export function renderSchema(models: string, provider: TProviderName, file?: string): string {
  return header(provider) + "\n" + renderBody(models, provider, file);
}

export function schemaPath(provider: TProviderName, root = repoRoot): string {
  return path.join(root, "prisma", provider, "schema.prisma");
}

/** Writes (or, with `check`, compares) both schemas; returns the stale paths. */
export function syncSchemas(opts: { root?: string; check?: boolean } = {}): string[] {
  const root = opts.root ?? repoRoot;
  const modelsFile = path.join(root, "prisma", "models.prisma");
  const models = readFileSync(modelsFile, "utf8");
  const stale: string[] = [];
  for (const provider of ["sqlite", "pg"] as const) {
    const target = schemaPath(provider, root);
    const text = renderSchema(models, provider, path.relative(root, modelsFile));
    const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
    if (current === text) continue;
    stale.push(path.relative(root, target));
    if (!opts.check) {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  return stale;
}

function main(argv: string[]): void {
  const check = argv.includes("--check");
  try {
    const stale = syncSchemas({ check });
    if (check && stale.length > 0) {
      for (const file of stale) {
        console.error(`sync-schemas: ${file} is stale; run \`npm run -w @kiln/db sync-schemas\``);
      }
      process.exitCode = 1;
    } else if (!check) {
      console.log(
        stale.length ? `sync-schemas: wrote ${stale.join(", ")}` : "sync-schemas: up to date",
      );
    }
  } catch (err) {
    console.error(`sync-schemas: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
