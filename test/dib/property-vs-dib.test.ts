// Random element trees and hook names: Kiln's expansion, run-parts order and
// build plan must match what real DIB gives. Where DIB's result depends on set
// order, the batch driver enumerates orders and any DIB result is accepted.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { expandElements } from "@kiln/engine/elements/expand-elements";
import { findElements } from "@kiln/engine/elements/find-elements";
import { listRunParts } from "@kiln/engine/hooks/list-run-parts";
import { DIB_ROOT, dibRunPartsList } from "../support/dib-oracle.ts";
import { hasDib, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { dibExpandBatch, type DibOutcome } from "../support/dib-oracle-batch.ts";
import { dibHooksPlan } from "../support/dib-oracle-plan.ts";
import {
  createElementTree,
  makeTempRoot,
  writeHookDir,
  type TreeSpec,
} from "@kiln/engine/testing/element-tree";
import { runKiln, type CliResult } from "../support/kiln-cli.ts";
import { planBuild, planToJson } from "@kiln/engine/plan/plan-build";

const noDib = hasDib();
warnIfSkipped("differential tests against DIB", noDib);
const SEED = 20261130;
const root = makeTempRoot("kiln-prop-");
afterAll(() => root.cleanup());
let caseNo = 0;
/** How many generated cases DIB expanded / rejected / answered order-dependently. */
const stats = { ok: 0, error: 0, orderDependent: 0 };

const REAL = ["a", "b", "c", "d", "e", "f", "g", "h", "os1", "os2"];
const VIRTUAL = ["v1", "v2", "operating-system"];

interface Case {
  tree: TreeSpec;
  requested: string[];
}

/** `providesReal`: may a provided name also be a real element (DIB's order-sensitive zone)? */
function treeCase(providesReal: boolean): fc.Arbitrary<Case> {
  const provPool = providesReal ? [...VIRTUAL, ...REAL.slice(0, 4)] : VIRTUAL;
  const element = fc.record({
    deps: fc.subarray([...REAL, "v1", "v2"], { maxLength: 3 }),
    provides: fc.subarray(provPool, { maxLength: 2 }),
  });
  return fc
    .record({
      names: fc.subarray(REAL, { minLength: 2, maxLength: 8 }),
      specs: fc.array(element, { minLength: 8, maxLength: 8 }),
      requested: fc.array(fc.constantFrom(...REAL, ...VIRTUAL), { maxLength: 2 }),
      // Most cases get a requested OS element so DIB succeeds often enough;
      // the rest (and the 1-in-10 missing dependency) exercise the errors.
      osFirst: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
      ghostAt: fc.integer({ min: 0, max: 79 }),
    })
    .map(({ names, specs, requested, osFirst, ghostAt }) => {
      const elements: TreeSpec["elements"] = {};
      names.forEach((n, i) => {
        const s = specs[i] ?? { deps: [], provides: [] };
        const deps = ghostAt === i ? [...s.deps, "ghost"] : s.deps;
        const provides = s.provides.filter(
          (p) => p !== n && (!osFirst || p !== "operating-system"),
        );
        elements[n] = { deps, provides };
      });
      const first = names[0] as string;
      if (osFirst) elements[first]?.provides?.push("operating-system");
      return {
        tree: { elements },
        requested: osFirst ? [first, ...requested] : requested.length ? requested : [first],
      };
    });
}

function describeOutcome(o: DibOutcome): string {
  return o.ok
    ? `ok {${Object.keys(o.elements).sort().join(" ")}}`
    : `error ${JSON.stringify(o.message.trimEnd())}`;
}

/** Kiln in-process; the same normalisation as the oracle's outcomes. */
function kilnOutcome(dir: string, requested: string[]): string {
  try {
    const refs = expandElements({ requested, elements: findElements({ elementsPath: dir }) });
    return `ok {${refs
      .map((r) => r.name)
      .sort()
      .join(" ")}}`;
  } catch (err) {
    return `error ${JSON.stringify((err as Error).message)}`;
  }
}

function matches(kiln: string, o: DibOutcome): boolean {
  if (o.ok) return kiln === describeOutcome(o);
  // Kiln may add context after DIB's message (e.g. "(required by 'x')").
  return (
    kiln.startsWith("error ") &&
    (o.message === ""
      ? true
      : kiln.includes(o.message.trimEnd().replace(/["\\]/g, (c) => "\\" + c)))
  );
}

/**
 * Kiln against DIB on `numRuns` sampled cases. DIB answers all of them from
 * one batch-driver process (a Python start per case would dominate the run);
 * the price is no shrinking, so a failure prints the whole case.
 */
function checkExpansions(arb: fc.Arbitrary<Case>, numRuns: number): void {
  const cases = fc.sample(arb, { numRuns, seed: SEED });
  const dirs = cases.map(
    (c) => createElementTree(c.tree, { root: root.dir, name: `t${caseNo++}` }).dir,
  );
  const results = dibExpandBatch(
    cases.map((c, i) => ({
      id: String(i),
      path: dirs[i] as string,
      elements: c.requested,
      maxTrials: 1000,
    })),
  );
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const res = results[i];
    const outcomes = res?.outcomes ?? [];
    const kiln = kilnOutcome(dirs[i] as string, c.requested);
    if (outcomes.length > 1) stats.orderDependent++;
    else if (outcomes[0]?.ok) stats.ok++;
    else stats.error++;
    if (!outcomes.some((o) => matches(kiln, o))) {
      failures.push(
        `request ${JSON.stringify(c.requested)} tree ${JSON.stringify(c.tree.elements)}\n` +
          `  kiln: ${kiln}\n  dib${res?.exhaustive ? "" : " (sampled)"}: ${outcomes.map(describeOutcome).join(" | ")}`,
      );
    }
  });
  expect(failures.join("\n")).toBe("");
}

/** `dib-run-parts --list` of many directories from one shell (one spawn, not one per case). */
function dibListMany(dirs: string[]): string[] {
  const script = 'for d in "$@"; do "$RUN_PARTS" --list "$d"; echo "@@END@@"; done';
  const r = spawnSync("/bin/bash", ["-c", script, "list-many", ...dirs], {
    encoding: "utf8",
    env: {
      ...process.env,
      LC_ALL: "C",
      LANG: "C",
      RUN_PARTS: path.join(DIB_ROOT, "lib/dib-run-parts"),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`dib-run-parts --list failed: ${r.stderr}`);
  return r.stdout.split("@@END@@\n").slice(0, dirs.length);
}

/** What `kiln build --dry-run --json -n -a amd64` prints, computed by the engine in-process. */
function planInProcess(requested: string[], dir: string): CliResult {
  try {
    const plan = planBuild({
      elements: requested,
      elementsPath: [dir, path.join(root.dir, "empty")],
      skipBase: true,
      arch: "amd64",
      env: {},
    });
    return { exitCode: 0, stdout: JSON.stringify(planToJson(plan)), stderr: "" };
  } catch (err) {
    return { exitCode: 2, stdout: "", stderr: `kiln: ${(err as Error).message}` };
  }
}

const HOOK_NAME = fc
  .tuple(
    fc.constantFrom(
      "",
      "0",
      "00",
      "01",
      "1",
      "9",
      "10",
      "100",
      "-5",
      "-0",
      "+3",
      "99999999999999999999",
      " 2",
    ),
    fc.constantFrom("", "-", "_", ".", "--"),
    fc.constantFrom("", "a", "b", "Z", "up", "x.sh", "a-1", "é"),
  )
  .map(([n, s, w]) => n + s + w)
  .filter((n) => n !== "" && n !== "." && n !== ".." && !n.includes("/"));

describe.skipIf(noDib)(`property: Kiln vs DIB${skipNote(noDib)}`, () => {
  it("expansion, provided names never real elements", () => {
    checkExpansions(treeCase(false), 300);
  }, 60_000);

  it("expansion, provided names may be real elements", () => {
    checkExpansions(treeCase(true), 200);
    console.info(`expansion cases (both properties): ${JSON.stringify(stats)}`);
    expect(stats.ok).toBeGreaterThan(10);
  }, 60_000);

  it("run-parts order of random hook names", () => {
    const cases = fc.sample(
      fc.tuple(
        fc.uniqueArray(HOOK_NAME, { minLength: 0, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      ),
      { numRuns: 300, seed: SEED },
    );
    const dirs = cases.map(([names, execBits]) =>
      writeHookDir(
        path.join(root.dir, `rp${caseNo++}`),
        names.map((name, i) => ({ name, kind: execBits[i] === false ? "plain" : "exec" })),
      ),
    );
    const dib = dibListMany(dirs);
    // The single-directory oracle agrees with the batched one (spot check).
    expect(dib[0]).toBe(dibRunPartsList(dirs[0] as string).stdout);
    const failures = dirs.flatMap((dir, i) => {
      const kiln = listRunParts(dir)
        .map((n) => `${dir}/${n}\n`)
        .join("");
      return kiln === dib[i]
        ? []
        : [`${JSON.stringify(cases[i]?.[0])}\n  kiln ${kiln}\n  dib ${dib[i]}`];
    });
    expect(failures.join("\n")).toBe("");
  }, 60_000);

  it("build --dry-run phases and environment order (CLI, then the engine in-process)", async () => {
    // DIB's generate_hooks word-splits names (spec §2.3), so no blanks here.
    const noBlank = HOOK_NAME.filter((n) => !/\s/.test(n));
    const hooksArb = fc.uniqueArray(noBlank, { maxLength: 6 });
    // Trees that expand (one requested OS element, deps among real elements),
    // so the comparison is about hooks; duplicates are dropped so DIB merges.
    const arb = fc.record({
      tree: fc
        .record({
          names: fc.subarray(REAL.slice(0, 8), { minLength: 1, maxLength: 6 }),
          deps: fc.array(fc.subarray(REAL.slice(0, 8), { maxLength: 3 }), {
            minLength: 8,
            maxLength: 8,
          }),
        })
        .map(({ names, deps }): Case => {
          const elements: TreeSpec["elements"] = {
            os1: { provides: ["operating-system"], deps: names.slice(0, 2) },
          };
          names.forEach(
            (n, i) => (elements[n] = { deps: (deps[i] ?? []).filter((d) => names.includes(d)) }),
          );
          return { tree: { elements }, requested: ["os1", ...names.slice(2, 3)] };
        }),
      hooks: fc.array(
        fc.record({
          install: hooksArb,
          root: hooksArb,
          env: fc.uniqueArray(noBlank, { maxLength: 3 }),
        }),
        { minLength: 9, maxLength: 9 },
      ),
    });
    const samples = fc.sample(arb, { numRuns: 24, seed: SEED });
    const failures: string[] = [];
    let compared = 0;
    for (const [n, { tree, hooks }] of samples.entries()) {
      const seen = { install: new Set<string>(), root: new Set<string>(), env: new Set<string>() };
      const fresh = (k: keyof typeof seen, names: string[]): string[] =>
        names.filter((n) => !seen[k].has(n) && seen[k].add(n));
      Object.values(tree.tree.elements).forEach((e, i) => {
        const h = hooks[i];
        if (!h) return;
        e.hooks = { "install.d": fresh("install", h.install), "root.d": fresh("root", h.root) };
        e.env = fresh("env", h.env);
      });
      const dir = createElementTree(tree.tree, { root: root.dir, name: `b${caseNo++}` }).dir;
      const dib = dibHooksPlan(tree.requested, dir, root.dir);
      // The CLI costs seconds per call (process start), so only the first
      // few go through it; the rest call the same planBuild/planToJson.
      const kiln =
        n < 4
          ? await runKiln(
              ["build", "--dry-run", "--json", "-n", "-a", "amd64", ...tree.requested],
              {
                env: { ELEMENTS_PATH: dir, KILN_BUILTIN_ELEMENTS: path.join(root.dir, "empty") },
              },
            )
          : planInProcess(tree.requested, dir);
      const label = `request ${JSON.stringify(tree.requested)} tree ${JSON.stringify(tree.tree.elements)}`;
      if (!dib.ok || kiln.exitCode !== 0) {
        if (dib.ok !== (kiln.exitCode === 0))
          failures.push(
            `${label}\n  kiln exit ${kiln.exitCode} ${kiln.stderr.trim()}\n  dib ${dib.ok ? "ok" : dib.message}`,
          );
        continue;
      }
      compared++;
      const plan = JSON.parse(kiln.stdout) as {
        phases: Record<string, { name: string }[]>;
        environment: { name: string }[];
      };
      for (const phase of ["root.d", "install.d"]) {
        const want = dib.phases.get(phase) ?? [];
        const got = (plan.phases[phase] ?? []).map((h) => h.name);
        if (want.join(" ") !== got.join(" "))
          failures.push(
            `${label}\n  ${phase}: kiln ${JSON.stringify(got)} dib ${JSON.stringify(want)}`,
          );
      }
      const env = plan.environment.map((e) => e.name);
      if (env.join(" ") !== dib.environment.join(" "))
        failures.push(
          `${label}\n  environment: kiln ${JSON.stringify(env)} dib ${JSON.stringify(dib.environment)}`,
        );
    }
    expect(failures.join("\n")).toBe("");
    console.info(
      `build plans compared on ${compared}/${samples.length} trees (others: both failed)`,
    );
    expect(compared).toBeGreaterThanOrEqual(12);
  }, 120_000);
});

fs.mkdirSync(path.join(root.dir, "empty"), { recursive: true });
