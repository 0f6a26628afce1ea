import type { Actor, ServerDeps } from "../../context.ts";
import { getBuild, type TBuildDetail, type TManifestPackage } from "./get-build.ts";

export interface TBuildDiff {
  a: { id: string; number: number };
  b: { id: string; number: number };
  packages: {
    added: TManifestPackage[];
    removed: TManifestPackage[];
    changed: { name: string; arch?: string; from: string; to: string }[];
  };
  elements: {
    added: string[];
    removed: string[];
    /** Same element from a different catalog version. */
    changed: { name: string; from: string | null; to: string | null }[];
  };
  /** Secret values are never compared by value: only presence. */
  environment: { name: string; from: string | null; to: string | null }[];
  sizes: {
    fileName: string;
    type: string;
    from: number | null;
    to: number | null;
    delta: number | null;
  }[];
  phases: { phase: string; from: number | null; to: number | null; delta: number | null }[];
  durationMs: { from: number | null; to: number | null };
}

/** What changed from build `a` to build `b` (both must be readable). */
export async function diffBuilds(
  deps: ServerDeps,
  actor: Actor,
  input: { a: string; b: string },
): Promise<TBuildDiff> {
  const [a, b] = await Promise.all([
    getBuild(deps, actor, input.a),
    getBuild(deps, actor, input.b),
  ]);
  return {
    a: { id: a.id, number: a.number },
    b: { id: b.id, number: b.number },
    packages: diffPackages(a.manifest, b.manifest),
    elements: diffElements(a, b),
    environment: diffEnv(a, b),
    sizes: diffSizes(a, b),
    phases: diffPhases(a.phaseTimings, b.phaseTimings),
    durationMs: { from: a.durationMs, to: b.durationMs },
  };
}

const pkgKey = (p: TManifestPackage) => `${p.name}\u0000${p.arch ?? ""}`;
const byName = (x: { name: string }, y: { name: string }) =>
  x.name < y.name ? -1 : x.name > y.name ? 1 : 0;

export function diffPackages(
  from: TManifestPackage[],
  to: TManifestPackage[],
): TBuildDiff["packages"] {
  const a = new Map(from.map((p) => [pkgKey(p), p]));
  const b = new Map(to.map((p) => [pkgKey(p), p]));
  const added = [...b].filter(([k]) => !a.has(k)).map(([, p]) => p);
  const removed = [...a].filter(([k]) => !b.has(k)).map(([, p]) => p);
  const changed = [...b]
    .filter(([k, p]) => a.has(k) && a.get(k)!.version !== p.version)
    .map(([k, p]) => ({
      name: p.name,
      ...(p.arch ? { arch: p.arch } : {}),
      from: a.get(k)!.version,
      to: p.version,
    }));
  return {
    added: added.sort(byName),
    removed: removed.sort(byName),
    changed: changed.sort(byName),
  };
}

function diffElements(a: TBuildDetail, b: TBuildDetail): TBuildDiff["elements"] {
  const ea = new Map(a.resolvedElements.map((e) => [e.name, e]));
  const eb = new Map(b.resolvedElements.map((e) => [e.name, e]));
  const source = (e: {
    catalogName: string | null;
    catalogSha256: string | null;
    catalogVersionId: string | null;
  }) =>
    e.catalogSha256
      ? `${e.catalogName ?? "?"}@${e.catalogSha256.slice(0, 12)}`
      : (e.catalogName ?? e.catalogVersionId);
  return {
    added: [...eb.keys()].filter((n) => !ea.has(n)).sort(),
    removed: [...ea.keys()].filter((n) => !eb.has(n)).sort(),
    changed: [...eb.values()]
      .filter((e) => ea.has(e.name) && ea.get(e.name)!.catalogVersionId !== e.catalogVersionId)
      .map((e) => ({ name: e.name, from: source(ea.get(e.name)!), to: source(e) }))
      .sort(byName),
  };
}

function diffEnv(a: TBuildDetail, b: TBuildDetail): TBuildDiff["environment"] {
  const show = (v: { value?: string; secret: boolean } | undefined) =>
    v === undefined ? null : v.secret ? "(secret)" : (v.value ?? "");
  const ea = new Map(a.request.env.map((v) => [v.name, v]));
  const eb = new Map(b.request.env.map((v) => [v.name, v]));
  const names = [...new Set([...ea.keys(), ...eb.keys()])].sort();
  return names
    .map((name) => ({ name, from: show(ea.get(name)), to: show(eb.get(name)) }))
    .filter((d) => d.from !== d.to);
}

function diffSizes(a: TBuildDetail, b: TBuildDetail): TBuildDiff["sizes"] {
  const sa = new Map(a.artifacts.map((x) => [x.type, x]));
  const sb = new Map(b.artifacts.map((x) => [x.type, x]));
  const types = [...new Set([...sa.keys(), ...sb.keys()])].sort();
  return types.map((type) => {
    const from = sa.get(type)?.sizeBytes ?? null;
    const to = sb.get(type)?.sizeBytes ?? null;
    return {
      type,
      fileName: sb.get(type)?.fileName ?? sa.get(type)!.fileName,
      from,
      to,
      delta: from !== null && to !== null ? to - from : null,
    };
  });
}

function diffPhases(a: Record<string, number>, b: Record<string, number>): TBuildDiff["phases"] {
  const phases = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return phases.map((phase) => {
    const from = a[phase] ?? null;
    const to = b[phase] ?? null;
    return { phase, from, to, delta: from !== null && to !== null ? to - from : null };
  });
}
