/**
 * The one path every catalog source ends in: a validated element tree on disk
 * becomes an immutable catalog version (hash, tarball in the store, parsed
 * elements with lint findings), or the existing version with that content.
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isUniqueViolation, type CatalogVersionModel as CatalogVersion } from "@kiln/db/client";
import { describeElement } from "@kiln/engine/elements/describe-element";
import { findElements } from "@kiln/engine/elements/find-elements";
import type { ElementRef } from "@kiln/engine/elements/types";
import { KilnError } from "@kiln/contracts/errors";
import { classifyLintDir } from "@kiln/engine/lint/find-lint-targets";
import { lintElementsReport } from "@kiln/engine/lint/lint-elements";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { catalogLimits } from "./catalog-limits.ts";
import { hashElementTree } from "@kiln/contracts/catalog-hash";
import { treeRejected } from "./tree-rejected.ts";
import { storeCatalogTree } from "./store-catalog-tree.ts";

import type { TStoredFinding } from "./stored-element.ts";

export type { TStoredFinding };

export interface TImportTreeInput {
  catalogId: string;
  /** The tree's root: every sub-directory is an element. */
  dir: string;
  /** Git commit or upload file name. */
  origin: string;
  createdById: string | null;
  /** Start of rejection messages ("catalog upload", "git import"). */
  what: string;
}

export interface TImportTreeResult {
  version: CatalogVersion;
  /** False when a version with this content already existed. */
  created: boolean;
}

export async function importCatalogTree(
  deps: ServerDeps,
  input: TImportTreeInput,
): Promise<TImportTreeResult> {
  const prisma = deps.db.prisma;
  const t0 = performance.now();
  const { sha256 } = await hashElementTree(input.dir, catalogLimits(deps.config), input.what).catch(
    (err: unknown) => {
      throw treeRejected(err);
    },
  );
  const where = { catalogId_sha256: { catalogId: input.catalogId, sha256 } };
  const existing = await prisma.catalogVersion.findUnique({ where });
  if (existing) return { version: existing, created: false };

  const t1 = performance.now();
  const rows = parseElements(input.dir, input.what);
  const t2 = performance.now();
  const { storageKey, sizeBytes } = await storeCatalogTree(deps, input.dir, sha256);
  const t3 = performance.now();
  try {
    const version = await prisma.$transaction(async (tx) => {
      const v = await tx.catalogVersion.create({
        data: {
          catalogId: input.catalogId,
          sha256,
          storageKey,
          sizeBytes,
          elementCount: rows.length,
          origin: input.origin,
          createdById: input.createdById,
          createdAt: deps.now(),
        },
      });
      for (let i = 0; i < rows.length; i += 200) {
        await tx.catalogElement.createMany({
          data: rows.slice(i, i + 200).map((r) => ({ ...r, catalogVersionId: v.id })),
        });
      }
      return v;
    });
    deps.logger.info("catalog version imported", {
      catalogId: input.catalogId,
      sha256,
      elements: rows.length,
      ms: {
        hash: Math.round(t1 - t0),
        parse: Math.round(t2 - t1),
        store: Math.round(t3 - t2),
        db: Math.round(performance.now() - t3),
      },
    });
    return { version, created: true };
  } catch (err) {
    // Two imports of the same content raced: the other one's version stands.
    if (isUniqueViolation(err)) {
      const v = await prisma.catalogVersion.findUnique({ where });
      if (v) return { version: v, created: false };
    }
    throw err;
  }
}

interface TElementRow {
  name: string;
  deps: string;
  provides: string;
  hooks: string;
  packages: string;
  readme: string;
  lint: string;
}

/** Describes and lints every element of the tree with the engine. */
function parseElements(dir: string, what: string): TElementRow[] {
  let refs: ElementRef[];
  try {
    refs = [...findElements({ elementsPath: [dir] }).values()];
  } catch (err) {
    throw asInvalid(err, what, dir);
  }
  if (refs.length === 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${what} rejected: the tree holds no element directories`,
      "file",
    );
  }
  const findings = new Map<string, TStoredFinding[]>();
  const add = (element: string, f: TStoredFinding) =>
    findings.set(element, [...(findings.get(element) ?? []), f]);
  try {
    const report = lintElementsReport({ dirs: refs.map((r) => r.path) });
    const byPath = new Map(refs.map((r) => [r.path, r.name]));
    for (const f of report.findings) {
      const ref = refs.find((r) => f.file === r.path || f.file.startsWith(r.path + path.sep));
      const name = ref ? (byPath.get(ref.path) as string) : f.element;
      const finding: TStoredFinding = {
        rule: f.rule,
        severity: f.severity,
        file: ref ? path.relative(ref.path, f.file) : path.basename(f.file),
        message: f.message.split(dirPrefix(dir)).join(""),
      };
      if (f.line !== undefined) finding.line = f.line;
      add(name, finding);
    }
  } catch (err) {
    throw asInvalid(err, what, dir);
  }
  return refs.map((ref) => {
    let described: ReturnType<typeof describeElement> | undefined;
    try {
      described = describeElement(ref);
    } catch (err) {
      // One broken element must not hide the rest: keep it, with the reason.
      add(ref.name, {
        rule: "describe",
        severity: "error",
        file: "",
        message: relativeMessage(err, dir),
      });
    }
    return {
      name: ref.name,
      deps: JSON.stringify(described?.deps ?? []),
      provides: JSON.stringify(described?.provides ?? []),
      hooks: JSON.stringify(described?.hooks ?? {}),
      packages: JSON.stringify(described?.packages ?? []),
      readme: described?.readme?.text ?? readmeFallback(ref.path),
      lint: JSON.stringify(findings.get(ref.name) ?? []),
    };
  });
}

function readmeFallback(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, "README"), "utf8");
  } catch {
    return "";
  }
}

function dirPrefix(dir: string): string {
  return fs.realpathSync(dir) + path.sep;
}

function relativeMessage(err: unknown, dir: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split(dirPrefix(dir)).join("");
}

function asInvalid(err: unknown, what: string, dir: string): unknown {
  if (err instanceof KilnError) {
    const msg = relativeMessage(err, dir);
    return new AppError("INVALID_INPUT", `${what} rejected: ${msg}`, "file", { cause: err });
  }
  return err;
}

/**
 * Where the elements are in an extracted upload: an archive of one directory
 * that is itself a directory of elements (`tar czf x.tgz elements/`) is
 * entered; one holding a single element is kept as is.
 */
export function chooseCatalogRoot(dir: string): string {
  const entries = fs.readdirSync(dir).filter((n) => !n.startsWith("."));
  if (entries.length !== 1) return dir;
  const only = path.join(dir, entries[0] as string);
  const st = fs.lstatSync(only);
  if (!st.isDirectory()) return dir;
  return classifyLintDir(only) === "elements" ? only : dir;
}
