/**
 * The difference between two versions of a recipe, for the history page.
 * Secrets are compared by ciphertext (a re-entered equal value keeps its
 * ciphertext, see save-recipe.ts) and reported only as changed or not.
 */
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireRecipe, storedEnv, toVersionView, versionInclude } from "./find-recipes.ts";

export interface TEnvChange {
  name: string;
  change: "added" | "removed" | "changed";
  secret: boolean;
  /** Plain values only; never present for secrets. */
  from?: string;
  to?: string;
}

export interface TRecipeDiff {
  from: number;
  to: number;
  elements: { added: string[]; removed: string[]; orderChanged: boolean };
  env: TEnvChange[];
  outputTypes: { added: string[]; removed: string[] };
  imageSizeGb: { from: number | null; to: number | null } | null;
  arch: { from: string; to: string } | null;
  agentLabels: { key: string; from: string | null; to: string | null }[];
  catalogs: {
    changed: boolean;
    from: { id: string; catalogName: string; sha256: string }[];
    to: { id: string; catalogName: string; sha256: string }[];
  };
}

export async function diffRecipeVersions(
  deps: ServerDeps,
  actor: Actor,
  input: { recipeId: string; from: number; to: number },
): Promise<TRecipeDiff> {
  const recipe = await requireRecipe(deps, actor, input.recipeId, "read");
  const load = async (version: number, field: string) => {
    const v = await deps.db.prisma.recipeVersion.findUnique({
      where: { recipeId_version: { recipeId: recipe.id, version } },
      include: versionInclude,
    });
    if (!v) throw new AppError("NOT_FOUND", `recipe version ${version} not found`, field);
    return v;
  };
  const a = await load(input.from, "from");
  const b = await load(input.to, "to");
  const va = toVersionView(a);
  const vb = toVersionView(b);

  const env: TEnvChange[] = [];
  const ea = new Map(storedEnv(a).map((e) => [e.name, e]));
  const eb = new Map(storedEnv(b).map((e) => [e.name, e]));
  for (const name of [...new Set([...ea.keys(), ...eb.keys()])].sort()) {
    const x = ea.get(name);
    const y = eb.get(name);
    const secret = !!(x?.secret || y?.secret);
    const plain = (v: typeof x) => (v && !v.secret ? { value: v.value } : {});
    if (!x && y) env.push({ name, change: "added", secret, ...(secret ? {} : { to: y.value }) });
    else if (x && !y)
      env.push({ name, change: "removed", secret, ...(secret ? {} : { from: x.value }) });
    else if (x && y && (x.value !== y.value || x.secret !== y.secret)) {
      env.push({
        name,
        change: "changed",
        secret,
        ...(secret ? {} : { from: plain(x).value, to: plain(y).value }),
      });
    }
  }

  const labels = new Set([...Object.keys(va.agentLabels), ...Object.keys(vb.agentLabels)]);
  const catalogsOf = (v: typeof va) =>
    v.catalogVersions.map((c) => ({ id: c.id, catalogName: c.catalogName, sha256: c.sha256 }));
  const common = va.elements.filter((e) => vb.elements.includes(e));
  return {
    from: va.version,
    to: vb.version,
    elements: {
      added: vb.elements.filter((e) => !va.elements.includes(e)),
      removed: va.elements.filter((e) => !vb.elements.includes(e)),
      orderChanged:
        common.join("\n") !== vb.elements.filter((e) => va.elements.includes(e)).join("\n"),
    },
    env,
    outputTypes: {
      added: vb.outputTypes.filter((t) => !va.outputTypes.includes(t)),
      removed: va.outputTypes.filter((t) => !vb.outputTypes.includes(t)),
    },
    imageSizeGb:
      va.imageSizeGb === vb.imageSizeGb ? null : { from: va.imageSizeGb, to: vb.imageSizeGb },
    arch: va.arch === vb.arch ? null : { from: va.arch, to: vb.arch },
    agentLabels: [...labels]
      .sort()
      .filter((k) => va.agentLabels[k] !== vb.agentLabels[k])
      .map((k) => ({ key: k, from: va.agentLabels[k] ?? null, to: vb.agentLabels[k] ?? null })),
    catalogs: {
      changed:
        va.catalogVersions.map((c) => c.id).join() !== vb.catalogVersions.map((c) => c.id).join(),
      from: catalogsOf(va),
      to: catalogsOf(vb),
    },
  };
}
