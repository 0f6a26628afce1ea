/**
 * Reading a catalog version's elements: the table (from the parsed rows) and
 * one element's page (rows plus hook and environment sources read from the
 * version's extracted tree, and the dependency graph to draw).
 */
import fs from "node:fs";
import path from "node:path";
import type { CatalogElementModel as CatalogElement } from "@kiln/db/client";
import { findElements } from "@kiln/engine/elements/find-elements";
import { listEnvironmentFiles } from "@kiln/engine/hooks/list-run-parts";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireCatalogVersion } from "./manage-catalogs.ts";
import {
  storedDeps,
  storedElement,
  storedProvides,
  type TPackageRow,
  type TStoredFinding,
} from "./stored-element.ts";
import { ensureCatalogTree } from "./store-catalog-tree.ts";

export type { TPackageRow };

export interface TElementSummary {
  name: string;
  deps: string[];
  provides: string[];
  /** Phases with hooks, in run order. */
  phases: string[];
  hookCount: number;
  packageCount: number;
  lintErrors: number;
  lintWarnings: number;
  /** First non-heading line of the README. */
  summary: string;
}

export interface TSourceFile {
  name: string;
  /** Text, or null when binary or unreadable. */
  source: string | null;
  /** True when the text was cut at MAX_SOURCE_BYTES. */
  truncated: boolean;
}

export interface TGraphNode {
  name: string;
  /** element: in this version; virtual: a provided name; missing: nowhere. */
  kind: "element" | "virtual" | "missing";
}

export interface TGraphEdge {
  from: string;
  to: string;
  kind: "dep" | "provides";
}

export interface TElementDetail extends Omit<
  TElementSummary,
  "summary" | "phases" | "hookCount" | "packageCount"
> {
  catalogVersionId: string;
  catalogId: string;
  hooks: { phase: string; scripts: TSourceFile[] }[];
  environment: TSourceFile[];
  packages: TPackageRow[];
  readme: string;
  lint: TStoredFinding[];
  /** Elements of this version that depend on this one. */
  dependents: string[];
  /** This element's dependency closure inside the version: deps and provides edges. */
  graph: { nodes: TGraphNode[]; edges: TGraphEdge[] };
}

const MAX_SOURCE_BYTES = 256 * 1024;
const MAX_GRAPH_NODES = 500;

function summarize(row: CatalogElement): TElementSummary {
  const { deps, provides, hooks, packages, lint } = storedElement(row);
  const line = row.readme
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l && !/^(#|=+$|-+$|\.\.)/.test(l) && l !== row.name);
  return {
    name: row.name,
    deps,
    provides,
    phases: Object.keys(hooks),
    hookCount: Object.values(hooks).reduce((n, s) => n + s.length, 0),
    packageCount: packages.length,
    lintErrors: lint.filter((f) => f.severity === "error").length,
    lintWarnings: lint.filter((f) => f.severity === "warning").length,
    summary: (line ?? "").slice(0, 300),
  };
}

export async function listCatalogElements(
  deps: ServerDeps,
  actor: Actor,
  input: { catalogVersionId: string; search?: string },
): Promise<TElementSummary[]> {
  await requireCatalogVersion(deps, actor, input.catalogVersionId);
  const search = input.search?.trim();
  const rows = await deps.db.prisma.catalogElement.findMany({
    where: {
      catalogVersionId: input.catalogVersionId,
      ...(search ? { name: { contains: search } } : {}),
    },
    orderBy: { name: "asc" },
  });
  return rows.map(summarize);
}

export async function getCatalogElement(
  deps: ServerDeps,
  actor: Actor,
  input: { catalogVersionId: string; name: string },
): Promise<TElementDetail> {
  const version = await requireCatalogVersion(deps, actor, input.catalogVersionId);
  const rows = await deps.db.prisma.catalogElement.findMany({
    where: { catalogVersionId: version.id },
  });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const row = byName.get(input.name);
  if (!row)
    throw new AppError(
      "NOT_FOUND",
      `element '${input.name}' is not in this catalog version`,
      "name",
    );

  const tree = await ensureCatalogTree(deps, version);
  const ref = findElements({ elementsPath: [tree] }).get(row.name);
  const stored = storedElement(row);
  const hooks = Object.entries(stored.hooks).map(([phase, scripts]) => ({
    phase,
    scripts: scripts.map((s) => readSource(ref?.path, path.join(phase, s), s)),
  }));
  const envDir = ref ? path.join(ref.path, "environment.d") : undefined;
  const environment =
    envDir && fs.existsSync(envDir)
      ? listEnvironmentFiles(envDir).map((f) =>
          readSource(ref?.path, path.join("environment.d", f), f),
        )
      : [];

  const summary = summarize(row);
  return {
    name: row.name,
    deps: summary.deps,
    provides: summary.provides,
    lintErrors: summary.lintErrors,
    lintWarnings: summary.lintWarnings,
    catalogVersionId: version.id,
    catalogId: version.catalogId,
    hooks,
    environment,
    packages: stored.packages,
    readme: row.readme,
    lint: stored.lint,
    dependents: rows
      .filter((r) => storedDeps(r).includes(row.name))
      .map((r) => r.name)
      .sort(),
    graph: dependencyGraph(row.name, byName),
  };
}

function readSource(elementDir: string | undefined, rel: string, name: string): TSourceFile {
  if (!elementDir) return { name, source: null, truncated: false };
  try {
    const fd = fs.openSync(path.join(elementDir, rel), "r");
    try {
      const buf = Buffer.alloc(MAX_SOURCE_BYTES + 1);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const bytes = buf.subarray(0, Math.min(n, MAX_SOURCE_BYTES));
      if (bytes.subarray(0, 8192).includes(0)) return { name, source: null, truncated: false };
      return { name, source: bytes.toString("utf8"), truncated: n > MAX_SOURCE_BYTES };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { name, source: null, truncated: false };
  }
}

/** Breadth-first over deps from `root`; provided names become virtual nodes. */
function dependencyGraph(
  root: string,
  byName: Map<string, CatalogElement>,
): { nodes: TGraphNode[]; edges: TGraphEdge[] } {
  const providers = new Map<string, string[]>();
  for (const r of byName.values()) {
    for (const p of storedProvides(r)) providers.set(p, [...(providers.get(p) ?? []), r.name]);
  }
  const nodes = new Map<string, TGraphNode>();
  const edges: TGraphEdge[] = [];
  const queue = [root];
  nodes.set(root, { name: root, kind: "element" });
  while (queue.length && nodes.size < MAX_GRAPH_NODES) {
    const name = queue.shift() as string;
    const row = byName.get(name);
    if (!row) continue;
    for (const p of storedProvides(row)) {
      edges.push({ from: name, to: p, kind: "provides" });
      if (!nodes.has(p) && !byName.has(p)) nodes.set(p, { name: p, kind: "virtual" });
    }
    for (const d of storedDeps(row)) {
      edges.push({ from: name, to: d, kind: "dep" });
      if (nodes.has(d)) continue;
      const kind = byName.has(d) ? "element" : providers.has(d) ? "virtual" : "missing";
      nodes.set(d, { name: d, kind });
      if (kind === "element") queue.push(d);
    }
  }
  return { nodes: [...nodes.values()], edges };
}
