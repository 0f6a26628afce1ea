import path from "node:path";
import { expandElements } from "../elements/expand-elements.ts";
import { findElements, splitElementsPath } from "../elements/find-elements.ts";
import { buildRequestList } from "../elements/request.ts";
import type { ElementRef } from "../elements/types.ts";
import { compareBytes, sortRunParts } from "../hooks/sort-run-parts.ts";
import { compileRunPartsRegex, isExecutableFile, isFile } from "../hooks/list-run-parts.ts";
import { applyInstallTypes, mergeHooks, type MergedHooks } from "../hooks/merge-hooks.ts";
import type { Logger } from "@kiln/contracts/logger";
import { PHASES, type TPhase } from "@kiln/contracts/phases";

/** A hook or environment file in the plan. */
export interface PlannedFile {
  /** File name as dib-run-parts sees it. */
  name: string;
  /** The element that ships it. */
  element: string;
  /** Absolute path of the file inside that element. */
  path: string;
}

export interface PlanBuildOptions {
  /** Elements as given on the command line. */
  elements: string[];
  /** The full elements path, built-in elements last; earliest entry wins. */
  elementsPath: string | string[];
  /** `-n`: do not prepend `base`. */
  skipBase?: boolean;
  /** Target architecture. */
  arch: string;
  /** Build environment (DIB_INSTALLTYPE_*, DIB_DEFAULT_INSTALLTYPE, RUN_PARTS_REGEX). */
  env: Record<string, string | undefined>;
  logger?: Logger;
}

export interface BuildPlan {
  /** The list handed to expansion (with `base` and the block-device default). */
  request: string[];
  /** Expanded elements in Kiln's deterministic order. */
  elements: ElementRef[];
  /** Every phase's hooks in run order (empty phases included). */
  phases: Record<TPhase, PlannedFile[]>;
  /** environment.d files in the order they are sourced before each phase. */
  environment: PlannedFile[];
  /** The merged hooks tree the pipeline materialises as `$TMP_HOOKS_PATH` (install types not applied). */
  merged: MergedHooks;
}

/**
 * Resolve a build request as disk-image-create would and list, without
 * running anything, every hook of every phase and every environment file.
 */
export function planBuild(options: PlanBuildOptions): BuildPlan {
  const request = buildRequestList({
    elements: options.elements,
    skipBase: options.skipBase,
    arch: options.arch,
  });
  const all = findElements({
    elementsPath: splitElementsPath(options.elementsPath),
    logger: options.logger,
  });
  const elements = expandElements({ requested: request, elements: all, logger: options.logger });
  const merged = mergeHooks(elements);
  // The hooks tree is written as merged; the install-types element links its
  // hooks at build time, so only the listing applies them here.
  const runnableTree: MergedHooks = new Map([...merged].map(([dir, m]) => [dir, new Map(m)]));
  if (elements.some((e) => e.name === "install-types"))
    applyInstallTypes(runnableTree, options.env);

  const regex = compileRunPartsRegex(options.env.RUN_PARTS_REGEX || undefined);
  const phases = {} as Record<TPhase, PlannedFile[]>;
  for (const phase of PHASES) {
    const dir = runnableTree.get(phase) ?? new Map();
    const runnable = [...dir.entries()].filter(
      ([name, entry]) => regex.test(name) && isExecutableFile(entry.source),
    );
    const byName = new Map(runnable);
    phases[phase] = sortRunParts([...byName.keys()]).map((name) => {
      const entry = byName.get(name)!;
      return { name, element: entry.element, path: entry.source };
    });
  }
  const envDir = merged.get("environment.d") ?? new Map();
  const environment = [...envDir.entries()]
    .filter(([name, entry]) => /^[0-9A-Za-z_.-]+$/.test(name) && isFile(entry.source))
    .sort(([a], [b]) => compareBytes(a, b))
    .map(([name, entry]) => ({ name, element: entry.element, path: entry.source }));
  return { request, elements, phases, environment, merged };
}

/** The JSON shape `kiln build --dry-run --json` prints. */
export function planToJson(plan: BuildPlan): unknown {
  return {
    request: plan.request,
    elements: plan.elements.map((e) => e.name),
    paths: Object.fromEntries(plan.elements.map((e) => [e.name, e.path])),
    phases: Object.fromEntries(
      PHASES.map((p) => [p, plan.phases[p].map((h) => ({ name: h.name, element: h.element }))]),
    ),
    environment: plan.environment.map((f) => ({
      name: f.name,
      element: f.element,
      path: path.resolve(f.path),
    })),
  };
}
