// Checks the harness itself against DIB: if these fail, differential results
// cannot be trusted. Expected values are facts about DIB 3.13 checked by running it.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHROOT_PHASES } from "@kiln/contracts/phases";
import {
  DIB_ELEMENTS,
  DIB_LIB,
  DIB_PHASES,
  dibElementInfo,
  dibRunPartsList,
} from "./dib-oracle.ts";
import { dibExpandBatch } from "./dib-oracle-batch.ts";
import { dibEnvironmentOrder, dibHooksPlan } from "./dib-oracle-plan.ts";
import { createElementTree, makeTempRoot, writeHookDir } from "@kiln/engine/testing/element-tree";
import { hasDib, skipNote } from "@kiln/engine/testing/host-capabilities";

const noDib = hasDib();
const root = makeTempRoot("kiln-oracle-");
afterAll(() => root.cleanup());

describe.skipIf(noDib)(`DIB oracle${skipNote(noDib)}`, () => {
  it("its phases are the ones DIB's scripts run, the chroot ones with run_d_in_target", () => {
    // DIB_PHASES is the engine's list; this keeps it a fact about DIB. The
    // order is held by trace-vs-dib, which reads a real build's log.
    const scripts = ["disk-image-create", "img-functions", "common-functions"]
      .map((f) => fs.readFileSync(path.join(DIB_LIB, f), "utf8"))
      .join("\n");
    const calls = [...scripts.matchAll(/\b(?:eval_)?run_d(_in_target)? ([a-z][a-z-]*)\b/g)];
    const phases = new Set(calls.map((m) => `${m[2]}.d`));
    const inChroot = new Set(calls.filter((m) => m[1]).map((m) => `${m[2]}.d`));
    expect([...phases].sort()).toEqual([...DIB_PHASES].sort());
    expect([...inChroot].sort()).toEqual([...CHROOT_PHASES].sort());
  });

  it("runs element-info and reads names and realpaths", () => {
    const info = dibElementInfo(["base", "debian-minimal"], DIB_ELEMENTS);
    expect(info.ok).toBe(true);
    expect(info.names.has("debootstrap")).toBe(true);
    expect([...info.paths.keys()].sort()).toEqual([...info.names].sort());
    expect(info.paths.get("base")).toBe(fs.realpathSync(path.join(DIB_ELEMENTS, "base")));
  });

  it("parses element-info failures", () => {
    expect(dibElementInfo(["base", "nope"], DIB_ELEMENTS).failure).toEqual({
      error: "MissingElementException",
      message: "Element 'nope' not found",
      log: [],
    });
    const conflict = dibElementInfo(["debian-minimal", "operating-system"], DIB_ELEMENTS);
    expect(conflict.failure).toEqual({
      error: "AlreadyProvidedException",
      message: "",
      log: [
        "The following elements are already provided by another element",
        "operating-system : already provided by ['debian-minimal']",
      ],
    });
  });

  it("lists run-parts targets in the order of spec §2.4", () => {
    const order = "-5-neg 00-q Z-up _u abc 01-z 1-w 9-x 10-a 10-a-1 10-b 10_a 100-y".split(" ");
    const dir = writeHookDir(
      path.join(root.dir, "rp"),
      [...order].reverse().map((name) => ({ name, kind: "exec" as const })),
    );
    writeHookDir(dir, [
      { name: "x.sh", kind: "exec" },
      { name: "20-plain", kind: "plain" },
    ]);
    const out = dibRunPartsList(dir);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe(order.map((n) => `${dir}/${n}\n`).join(""));
  });

  it("reports environment.d sourcing order in byte order", () => {
    const env = path.join(root.dir, "envorder", "environment.d");
    fs.mkdirSync(env, { recursive: true });
    for (const n of ["9-two.bash", "100-three", "50-bar", ".hidden", "10-one.bash", "01-four"]) {
      fs.writeFileSync(path.join(env, n), "exit 1\n"); // stand-ins must keep this from running
    }
    expect(dibEnvironmentOrder(env, root.dir)).toEqual(
      ".hidden 01-four 10-one.bash 100-three 50-bar 9-two.bash".split(" "),
    );
  });

  it("batch driver finds both results of the order-dependent graph of spec §1.3", () => {
    const tree = createElementTree(
      {
        elements: {
          X: { deps: ["P", "V"], provides: ["operating-system"] },
          P: { provides: ["V"] },
          V: { deps: ["D"] },
          D: {},
        },
      },
      { root: root.dir, name: "quirk" },
    );
    const [result] = dibExpandBatch([{ id: "q", path: tree.dir, elements: ["X"] }]);
    expect(result?.exhaustive).toBe(true);
    const sets = result?.outcomes.map((o) =>
      o.ok ? Object.keys(o.elements).sort().join(" ") : "err",
    );
    expect(sets?.sort()).toEqual(["D P X", "P X"]);
  });

  it("batch driver agrees with element-info.py on a deterministic request", () => {
    const request = ["base", "debian-minimal", "vm", "block-device-gpt"];
    const [result] = dibExpandBatch([
      { id: "d", path: DIB_ELEMENTS, elements: request, maxTrials: 50 },
    ]);
    const info = dibElementInfo(request, DIB_ELEMENTS);
    expect(result?.outcomes).toEqual([{ ok: true, elements: Object.fromEntries(info.paths) }]);
  });

  it("merges hooks with DIB's generate_hooks and reports duplicates", () => {
    const tree = createElementTree(
      {
        elements: {
          os: {
            provides: ["operating-system"],
            deps: ["a"],
            hooks: { "install.d": ["10-a", "20-os"] },
          },
          a: { hooks: { "install.d": ["05-a"], "root.d": ["50-r"] }, env: ["10-env"] },
          b: { hooks: { "install.d": ["10-a"] } },
        },
      },
      { root: root.dir, name: "hooks" },
    );
    const plan = dibHooksPlan(["os"], tree.dir, root.dir);
    expect(plan.ok).toBe(true);
    expect(plan.phases.get("install.d")).toEqual(["05-a", "10-a", "20-os"]);
    expect(plan.phases.get("root.d")).toEqual(["50-r"]);
    expect(plan.environment).toEqual(["10-env"]);
    const dup = dibHooksPlan(["os", "b"], tree.dir, root.dir);
    expect(dup.ok).toBe(false);
    expect(dup.message).toBe("There is a duplicated hook in your elements: /install.d/10-a");
  });
});
