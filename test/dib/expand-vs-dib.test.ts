// `kiln elements expand` against DIB's element-info: on DIB's own elements and
// on generated trees. DIB's answers come from its own code (batch driver, which
// also enumerates set orders so order-dependent cases accept every DIB result).
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIB_ELEMENTS, dibElementInfo } from "../support/dib-oracle.ts";
import { hasDib, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { dibExpandBatch } from "../support/dib-oracle-batch.ts";
import { expandElements } from "@kiln/engine/elements/expand-elements";
import { findElements } from "@kiln/engine/elements/find-elements";
import { createElementTree, makeTempRoot, type TreeSpec } from "@kiln/engine/testing/element-tree";
import {
  compareWithDib,
  kilnExpand,
  mapLimit,
  runKiln,
  type KilnExpansion,
} from "../support/kiln-cli.ts";

const noDib = hasDib();
warnIfSkipped("differential tests against DIB", noDib);
const OS = ["operating-system"];

const REALISTIC: string[][] = [
  ["base", "debian-minimal"],
  ["base", "ubuntu-minimal"],
  ["base", "centos-minimal"],
  ["base", "fedora-minimal"],
  ["base", "rocky-container"], // not in DIB 3.13: exercises the missing-element path
  ["base", "debian-minimal", "vm", "block-device-mbr"],
  ["base", "debian-minimal", "vm", "block-device-gpt"],
  ["base", "ubuntu-minimal", "vm", "block-device-efi"],
  ["base", "debian-minimal", "vm"], // `block-device` virtual, no provider: DIB fails
  ["base", "debian-minimal", "cloud-init-datasources", "devuser", "openssh-server"],
  ["base", "ubuntu", "vm", "block-device-efi-lvm", "growvols"],
  ["base", "debian-minimal", "ubuntu-minimal"], // two OS elements
  ["base", "debian-minimal", "operating-system"], // requested and provided
  ["base"], // no OS
  ["base", "debian-minimal", "debian-minimal"],
  ["ramdisk", "base", "debian-minimal", "dracut-ramdisk"],
];

function dibElementDirs(): string[] {
  if (noDib) return [];
  return fs
    .readdirSync(DIB_ELEMENTS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => d.name)
    .sort();
}

/** Runs DIB (batch) and Kiln on each request; returns a mismatch report per case. */
async function compareAll(
  cases: { label: string; elements: string[]; path: string }[],
  maxTrials: number,
  cwd?: string,
  via: "cli" | "engine" = "cli",
): Promise<Map<string, string | undefined>> {
  // Relative ELEMENTS_PATH entries resolve against the cwd, for DIB as for Kiln.
  const batch = dibExpandBatch(
    cases.map((c) => ({ id: c.label, path: c.path, elements: c.elements, maxTrials })),
    { cwd },
  );
  const oracle = new Map(batch.map((r) => [r.id, r]));
  const kiln =
    via === "cli"
      ? await mapLimit(cases, 3, (c) => kilnExpand(c.elements, c.path, { cwd }))
      : cases.map((c) => engineExpand(c.elements, c.path));
  const out = new Map<string, string | undefined>();
  cases.forEach((c, i) => {
    const res = oracle.get(c.label);
    const k = kiln[i] as KilnExpansion;
    const label = `${c.label} [${c.elements.join(" ")}] over ${c.path}`;
    out.set(c.label, res ? compareWithDib(label, k, res.outcomes) : "no DIB result");
  });
  return out;
}

/** The engine in-process, shaped like a CLI result (for the 100+ bulk cases). */
function engineExpand(requested: string[], elementsPath: string): KilnExpansion {
  try {
    const refs = expandElements({ requested, elements: findElements({ elementsPath }) });
    return {
      ok: true,
      exitCode: 0,
      stdout: "",
      stderr: "",
      elements: new Map(refs.map((r) => [r.name, r.path])),
    };
  } catch (err) {
    return { ok: false, exitCode: 2, stdout: "", stderr: `kiln: ${(err as Error).message}\n` };
  }
}

describe.skipIf(noDib)(`elements expand vs DIB: DIB's own element tree${skipNote(noDib)}`, () => {
  const realistic = REALISTIC.map((els) => ({
    label: els.join(" "),
    elements: els,
    path: DIB_ELEMENTS,
  }));
  const perElement = dibElementDirs().map((e) => ({
    label: `base debian-minimal + ${e}`,
    elements: ["base", "debian-minimal", e],
    path: DIB_ELEMENTS,
  }));
  let results = new Map<string, string | undefined>();
  beforeAll(async () => {
    results = new Map([
      ...(await compareAll(realistic, 60)),
      ...(await compareAll(perElement, 60, undefined, "engine")),
    ]);
  }, 240_000);

  it.each(realistic.map((c) => c.label))("%s", (label) => {
    expect(results.get(label)).toBeUndefined();
  });

  it("element-info.py itself gives one of the batch driver's results", () => {
    const batch = dibExpandBatch(
      realistic.map((c) => ({ id: c.label, path: c.path, elements: c.elements, maxTrials: 60 })),
    );
    for (const [i, c] of realistic.entries()) {
      const info = dibElementInfo(c.elements, c.path);
      const seen = batch[i]?.outcomes.some((o) =>
        o.ok
          ? info.ok &&
            [...info.paths].every(([n, p]) => o.elements[n] === p) &&
            info.paths.size === Object.keys(o.elements).length
          : !info.ok && info.failure?.message === o.message,
      );
      expect(seen, c.label).toBe(true);
    }
  });

  it("every DIB element requested alongside base debian-minimal (engine in-process)", () => {
    const failures = perElement.map((c) => results.get(c.label)).filter(Boolean);
    expect(failures.join("\n")).toBe("");
    expect(perElement.length).toBeGreaterThan(100);
  });
});

/** Scenarios on generated trees; each names its own path (relative to the root). */
interface Scenario {
  label: string;
  elements: string[];
  /** ELEMENTS_PATH with `@` standing for the temp root. */
  path: string;
}

const TREES: Record<string, TreeSpec> = {
  p1: {
    elements: {
      os: { provides: OS, deps: ["a"] },
      a: { deps: ["b"] },
      b: {},
      lone: {},
      dup: { provides: OS },
      twin: { provides: OS, deps: ["dup"] },
      cyc: { provides: OS, deps: ["c1", "self"] },
      c1: { deps: ["c2"] },
      c2: { deps: ["c1", "cyc"] },
      self: { deps: ["self"] },
      vos: { provides: [...OS, "virt"] },
      virt: { deps: ["b"] },
      blank: { provides: OS, files: { "element-deps": "\n   b   \n\n\t\n" } },
      comment: { provides: OS, files: { "element-deps": "# needs b\nb\n" } },
      spaced: { provides: OS, deps: ["a b"] },
      needsmissing: { provides: OS, deps: ["ghost"] },
      needsfile: { provides: OS, deps: ["plainfile"] },
      // Provider reached a level after the dependency on the name it provides.
      X: { provides: OS, deps: ["V", "Q"] },
      Q: { deps: ["P"] },
      P: { provides: ["V", "W"] },
      V: { deps: ["D"] },
      D: {},
      Y: { provides: OS, deps: ["W", "Q"] }, // W is virtual only
      // Spec §1.3's order-dependent graph: DIB gives {X2,P2} or {X2,P2,D2}.
      X2: { provides: OS, deps: ["P2", "V2"] },
      P2: { provides: ["V2"] },
      V2: { deps: ["D2"] },
      D2: {},
    },
  },
  p2: {
    elements: {
      a: { deps: ["c"] },
      c: {},
      only2: { provides: OS },
    },
  },
  real: { elements: { realname: { provides: OS, deps: ["b2"] }, b2: {} } },
};

const SCENARIOS: Scenario[] = [
  { label: "shadowing, first entry wins", elements: ["os"], path: "@/p1:@/p2" },
  { label: "shadowing, order reversed", elements: ["os"], path: "@/p2:@/p1" },
  { label: "element only in the later entry", elements: ["only2", "a"], path: "@/p1:@/p2" },
  { label: "trailing slash entry", elements: ["os"], path: "@/p1/:@/p2/" },
  { label: "relative entries", elements: ["os"], path: "p1:p2" },
  { label: "symlinked element: real name", elements: ["realname"], path: "@/links:@/p2" },
  { label: "symlinked element: link name", elements: ["linkname"], path: "@/links:@/p2" },
  { label: "symlinked path entry", elements: ["os"], path: "@/p1-link" },
  { label: "entry is a file", elements: ["os"], path: "@/p1:@/afile" },
  { label: "entry does not exist", elements: ["os"], path: "@/nowhere:@/p1" },
  { label: "empty entry", elements: ["os"], path: "@/p1::@/p2" },
  { label: "missing requested", elements: ["os", "ghost"], path: "@/p1" },
  { label: "missing dependency", elements: ["needsmissing"], path: "@/p1" },
  { label: "dependency is a plain file", elements: ["needsfile"], path: "@/p1" },
  { label: "cycles and self-dependency", elements: ["cyc"], path: "@/p1" },
  { label: "two OS elements requested", elements: ["os", "dup"], path: "@/p1" },
  { label: "OS conflict via a dependency", elements: ["twin"], path: "@/p1" },
  {
    label: "requested and provided (virtual after provider)",
    elements: ["vos", "virt"],
    path: "@/p1",
  },
  {
    label: "requested and provided (real, before provider)",
    elements: ["virt", "vos"],
    path: "@/p1",
  },
  { label: "no OS", elements: ["a", "lone"], path: "@/p1" },
  { label: "OS requested twice", elements: ["os", "os"], path: "@/p1" },
  { label: "blank lines and spaces in element-deps", elements: ["blank"], path: "@/p1" },
  { label: "comment line in element-deps", elements: ["comment"], path: "@/p1" },
  { label: "name with inner space", elements: ["spaced"], path: "@/p1" },
  { label: "provided real element reached before its provider", elements: ["X"], path: "@/p1" },
  { label: "virtual name reached before its provider", elements: ["Y"], path: "@/p1" },
  { label: "order-dependent graph (any DIB result)", elements: ["X2"], path: "@/p1" },
];

describe.skipIf(noDib)(`elements expand vs DIB: generated trees${skipNote(noDib)}`, () => {
  const root = makeTempRoot("kiln-expand-");
  let results = new Map<string, string | undefined>();
  beforeAll(async () => {
    for (const [name, spec] of Object.entries(TREES))
      createElementTree(spec, { root: root.dir, name });
    fs.mkdirSync(path.join(root.dir, "links"));
    fs.symlinkSync("../real/realname", path.join(root.dir, "links/linkname"));
    fs.symlinkSync("p1", path.join(root.dir, "p1-link"));
    fs.writeFileSync(path.join(root.dir, "afile"), "");
    fs.writeFileSync(path.join(root.dir, "p1/plainfile"), "");
    const cases = SCENARIOS.map((s) => ({
      label: s.label,
      elements: s.elements,
      path: s.path.replaceAll("@", root.dir),
    }));
    results = await compareAll(cases, 400, root.dir);
  }, 120_000);
  afterAll(() => root.cleanup());

  it.each(SCENARIOS.map((s) => s.label))("%s", (label) => {
    expect(results.get(label)).toBeUndefined();
  });

  it("defaults to $ELEMENTS_PATH", async () => {
    const k = await runKiln(["elements", "expand", "--json", "os"], {
      env: { ELEMENTS_PATH: `${root.dir}/p2:${root.dir}/p1` },
    });
    const dib = dibElementInfo(["os"], `${root.dir}/p2:${root.dir}/p1`);
    expect(k.exitCode).toBe(0);
    const names = (JSON.parse(k.stdout) as { elements: { name: string }[] }).elements.map(
      (e) => e.name,
    );
    expect(new Set(names)).toEqual(dib.names);
  });

  it("plain output is the names, space-separated", async () => {
    const k = await runKiln(["elements", "expand", "--elements-path", `${root.dir}/p1`, "cyc"]);
    expect(k.exitCode).toBe(0);
    expect(new Set(k.stdout.trim().split(" "))).toEqual(
      dibElementInfo(["cyc"], `${root.dir}/p1`).names,
    );
  });
});
