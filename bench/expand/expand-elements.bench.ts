// Times element discovery + expansion in-process on a generated 200-element
// tree shaped like DIB's (a few OS roots fanning out to shared leaves, a few
// provides, ~5 hooks each). Target: warm median under 50 ms.
// Run: npx tsx bench/expand/expand-elements.bench.ts
import { performance } from "node:perf_hooks";
import { expandElements } from "@kiln/engine/elements/expand-elements";
import { findElements } from "@kiln/engine/elements/find-elements";
import { createElementTree, type TreeSpec } from "@kiln/engine/testing/element-tree";

const COUNT = 200;
const RUNS = 50;
const TARGET_MS = 50;

/** Deterministic PRNG so every run times the same tree. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generateTree(): { spec: TreeSpec; requested: string[] } {
  const rand = rng(42);
  const names = Array.from({ length: COUNT }, (_, i) => `el-${String(i).padStart(3, "0")}`);
  const elements: TreeSpec["elements"] = {};
  names.forEach((name, i) => {
    // Deps point to later (more basic) elements, like DIB's distro → helper → leaf layering.
    const fanOut = i < 20 ? 6 : i < 120 ? 3 : i < 180 ? 1 : 0;
    const deps = new Set<string>();
    for (let k = 0; k < fanOut; k++) {
      const lo = Math.max(i + 1, 5); // OS elements (0-4) are never dependencies
      const j = lo + Math.floor(rand() * Math.min(60, COUNT - lo));
      if (j < COUNT) deps.add(names[j] as string);
    }
    const provides = i < 5 ? ["operating-system"] : i % 40 === 7 ? [`virtual-${i}`] : undefined;
    const phases = ["root.d", "extra-data.d", "install.d", "post-install.d", "finalise.d"];
    const hooks: Record<string, string[]> = {};
    for (let h = 0; h < 5; h++) {
      const phase = phases[Math.floor(rand() * phases.length)] as string;
      (hooks[phase] ??= []).push(`${10 + Math.floor(rand() * 80)}-${name}-${h}`);
    }
    elements[name] = { deps: [...deps], provides, hooks, env: [`10-${name}`] };
  });
  // One OS root plus a spread of feature elements, as a realistic build request.
  return { spec: { elements }, requested: ["el-000", "el-021", "el-050", "el-090", "el-130"] };
}

function once(dir: string, requested: string[]): { ms: number; count: number } {
  const t0 = performance.now();
  const all = findElements({ elementsPath: dir });
  const out = expandElements({ requested, elements: all });
  return { ms: performance.now() - t0, count: out.length };
}

const { spec, requested } = generateTree();
const tree = createElementTree(spec);
try {
  const first = once(tree.dir, requested);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(once(tree.dir, requested).ms);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)] as number;
  console.log(`elements on path: ${COUNT}, expanded: ${first.count}`);
  console.log(`first run: ${first.ms.toFixed(2)} ms`);
  console.log(
    `warm median of ${RUNS}: ${median.toFixed(2)} ms (min ${times[0]?.toFixed(2)}, max ${times[RUNS - 1]?.toFixed(2)})`,
  );
  console.log(`target < ${TARGET_MS} ms: ${median < TARGET_MS ? "met" : "MISSED"}`);
  if (median >= TARGET_MS) process.exitCode = 1;
} finally {
  tree.cleanup();
}
