import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempRoot, writeElements } from "../testing/element-tree.ts";
import { planBuild, planToJson } from "./plan-build.ts";

let cleanup = () => {};
afterEach(() => cleanup());

function tree(): { user: string; builtin: string } {
  const t = makeTempRoot();
  cleanup = t.cleanup;
  const builtin = writeElements(path.join(t.dir, "builtin"), {
    base: { hooks: { "install.d": ["10-base"] }, files: { "environment.d/10-base.bash": "" } },
    distro: {
      provides: ["operating-system"],
      hooks: { "root.d": ["10-root"], "pre-install.d": ["20-pre"], "cleanup.d": ["90-clean"] },
      files: {
        "environment.d/05-distro.bash": "export DISTRO_NAME=x\n",
        "environment.d/not ok": "",
      },
    },
    vm: { deps: ["block-device"], hooks: { "finalise.d": ["50-boot"] } },
    "block-device-mbr": { provides: ["block-device"] },
    "block-device-efi": { provides: ["block-device"] },
  });
  const user = writeElements(path.join(t.dir, "user"), {
    mine: { deps: ["distro"], hooks: { "install.d": ["05-mine", "99-last"] } },
  });
  return { user, builtin };
}

describe("planBuild", () => {
  it("resolves as disk-image-create and lists every phase's hooks in run order", () => {
    const { user, builtin } = tree();
    const plan = planBuild({
      elements: ["mine", "vm"],
      elementsPath: [user, builtin],
      arch: "amd64",
      env: {},
    });
    expect(plan.request).toEqual(["base", "mine", "vm", "block-device-mbr"]);
    expect(plan.elements.map((e) => e.name)).toEqual([
      "base",
      "mine",
      "vm",
      "block-device-mbr",
      "distro",
    ]);
    expect(plan.phases["install.d"]).toEqual([
      { name: "05-mine", element: "mine", path: path.join(user, "mine", "install.d", "05-mine") },
      {
        name: "10-base",
        element: "base",
        path: path.join(builtin, "base", "install.d", "10-base"),
      },
      { name: "99-last", element: "mine", path: path.join(user, "mine", "install.d", "99-last") },
    ]);
    expect(plan.phases["finalise.d"].map((h) => h.name)).toEqual(["50-boot"]);
    expect(plan.phases["post-root.d"]).toEqual([]);
    expect(plan.environment.map((f) => `${f.element}/${f.name}`)).toEqual([
      "distro/05-distro.bash",
      "base/10-base.bash",
    ]);
  });

  it("picks the EFI block device on arm64 and honours -n", () => {
    const { user, builtin } = tree();
    const plan = planBuild({
      elements: ["mine", "vm"],
      elementsPath: `${user}:${builtin}`,
      skipBase: true,
      arch: "arm64",
      env: {},
    });
    expect(plan.elements.map((e) => e.name)).toEqual(["mine", "vm", "block-device-efi", "distro"]);
  });

  it("lets a user element shadow a built-in one", () => {
    const { user, builtin } = tree();
    writeElements(user, { base: { hooks: { "install.d": ["11-my-base"] } } });
    const plan = planBuild({
      elements: ["mine"],
      elementsPath: [user, builtin],
      arch: "amd64",
      env: {},
    });
    expect(plan.phases["install.d"].map((h) => h.name)).toEqual([
      "05-mine",
      "11-my-base",
      "99-last",
    ]);
  });

  it("skips non-executable hooks and honours RUN_PARTS_REGEX", () => {
    const { user, builtin } = tree();
    fs.chmodSync(path.join(user, "mine", "install.d", "99-last"), 0o644);
    fs.writeFileSync(path.join(user, "mine", "install.d", "50-x.sh"), "");
    fs.chmodSync(path.join(user, "mine", "install.d", "50-x.sh"), 0o755);
    const names = (env: Record<string, string>) =>
      planBuild({ elements: ["mine"], elementsPath: [user, builtin], arch: "amd64", env }).phases[
        "install.d"
      ].map((h) => h.name);
    expect(names({})).toEqual(["05-mine", "10-base"]);
    expect(names({ RUN_PARTS_REGEX: "^[0-9a-z.-]+$" })).toEqual(["05-mine", "10-base", "50-x.sh"]);
  });

  it("serialises to the dry-run JSON shape", () => {
    const { user, builtin } = tree();
    const json = planToJson(
      planBuild({ elements: ["mine"], elementsPath: [user, builtin], arch: "amd64", env: {} }),
    ) as { elements: string[]; phases: Record<string, { name: string; element: string }[]> };
    expect(json.elements).toEqual(["base", "mine", "distro"]);
    expect(Object.keys(json.phases)).toHaveLength(10);
    expect(json.phases["root.d"]).toEqual([{ name: "10-root", element: "distro" }]);
  });
});
