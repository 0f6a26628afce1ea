/**
 * Differential tests: Kiln's squash against DIB's real package-installs-squash
 * run with /usr/bin/python3. Skipped (with the reason printed) when DIB is not
 * installed.
 *
 * DIB generations: the spec (§4.2) describes current DIB, whose squash cancels
 * uninstalls of packages installed for good and creates `uninstall` lists
 * eagerly. Older DIB (Debian's 3.13.0, for one) has neither. The test probes
 * which one is installed: with current DIB every comparison is byte-for-byte;
 * with the old one, byte-for-byte comparisons use inputs on which both
 * generations agree, and the rest compare lists allowing only the generation
 * differences.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findElements } from "../elements/find-elements.ts";
import { formatSquashed } from "./format-squashed.ts";
import { createFileElements } from "../testing/element-tree.ts";
import { squashPackageInstalls, type TSquashed } from "./squash-package-installs.ts";
import {
  DIB_PYTHON,
  DIB_ROOT,
  firstReason,
  hasDib,
  warnIfSkipped,
} from "../testing/host-capabilities.ts";

const DIB_ELEMENTS = path.join(DIB_ROOT, "elements");
const SCRIPT = path.join(DIB_ELEMENTS, "package-installs/bin/package-installs-squash");
const PYTHON = DIB_PYTHON;
const noDib = firstReason(hasDib(), fs.existsSync(SCRIPT) ? null : `${SCRIPT} is missing`);
warnIfSkipped("squash-vs-dib", noDib);

type Env = Record<string, string>;

/** Run DIB's squash; returns its output file's bytes, or throws with its stderr/stdout. */
function runDib(elements: string[], elementsPath: string, env: Env): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kiln-dib-")), "out.json");
  execFileSync(
    PYTHON,
    [SCRIPT, `--elements=${elements.join(" ")}`, `--path=${elementsPath}`, out],
    // Only the variables under test: the host's own DIB_* must not leak in.
    { env: { PATH: "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  return fs.readFileSync(out, "utf8");
}

/** Kiln's squash over the same names, resolved to winners as the CLI does. */
function runKiln(elements: string[], elementsPath: string, env: Env): TSquashed {
  const all = findElements({ elementsPath });
  const refs = elements.map((n) => all.get(n) ?? { name: n, path: path.join("/nonexistent", n) });
  return squashPackageInstalls({ elements: refs, env });
}

function tree(files: Record<string, Record<string, string>>): string {
  return createFileElements(files).dir;
}

/** Current DIB creates `"uninstall": []` for a plain rule; old DIB does not. */
function probeModernDib(): boolean {
  const root = tree({ probe: { "package-installs.json": '{"a": null}' } });
  return runDib(["probe"], root, {}).includes('"uninstall": []');
}
const modern = noDib ? false : probeModernDib();
if (!noDib)
  console.log(`squash-vs-dib: DIB's squash is the ${modern ? "current" : "old"} generation`);

// Every phase starts with a build-only rule that passes its filters and no rule
// cancels another, so both DIB generations write exactly these bytes.
const AGREEING_TREE = {
  "base-el": {
    "package-installs.json": JSON.stringify({
      "build-tools": { "build-only": true },
      curl: null,
      "7zip": {},
      wget: [{ phase: "install.d" }, { phase: "post-install.d", "build-only": true }],
    }),
    "package-installs.yaml": [
      "vim:",
      "python3-dev:",
      "  dib_python_version: 3",
      "python-dev:",
      "  dib_python_version: 2",
      "nm:",
      "  uninstall: true",
      "amd-only:",
      "  arch: amd64",
      "arm-only:",
      "  arch: arm64,ppc64le",
      "not-s390:",
      "  not-arch: s390x",
      "src-only:",
      "  installtype: source",
      "pkg-only:",
      "  installtype: package",
      "café-ß:",
      "post-thing:",
      "  phase: post-install.d",
    ].join("\n"),
  },
  "second-el": {
    "package-installs.yaml": [
      "kernel-generic:",
      "  when: DIB_KERNEL = generic",
      "kernel-other:",
      "  when: DIB_KERNEL != generic",
      "both-conds:",
      "  when:",
      "    - DIB_KERNEL=generic",
      "    - DIB_FLAG = 1",
      "pre-tool:",
      "  - phase: pre-install.d",
      "    build-only: true",
      "  - phase: pre-install.d",
      "    installtype: package",
      "    uninstall: true",
      "typed:",
      "  installtype: package",
    ].join("\n"),
    // A literal: JSON.stringify would move "12" to the front.
    "package-installs.json":
      '{"ninja": {"build-only": true}, "12": null, ' +
      '"cmake": {"phase": "post-install.d", "build-only": true}, ' +
      '"bzip2": {"phase": "post-install.d"}}',
  },
};
const AGREEING_ENVS: Env[] = [
  { ARCH: "amd64", DIB_KERNEL: "generic", DIB_FLAG: "1", DIB_PYTHON_VERSION: "3" },
  { ARCH: "arm64", DIB_KERNEL: "lowlatency", DIB_FLAG: "0" },
  { ARCH: "s390x", DIB_KERNEL: "generic", DIB_FLAG: "0", DIB_DEFAULT_INSTALLTYPE: "package" },
  { ARCH: "ppc64le", DIB_KERNEL: "x", DIB_FLAG: "1", DIB_INSTALLTYPE_second_el: "package" },
];

describe.skipIf(noDib)("squash vs DIB: temp element trees", () => {
  const root = noDib ? "" : tree(AGREEING_TREE);
  const names = ["base-el", "second-el"];

  it.each(AGREEING_ENVS.map((env) => [JSON.stringify(env), env] as const))(
    "byte-for-byte with env %s",
    (_label, env) => {
      const dib = runDib(names, root, env);
      expect(formatSquashed(runKiln(names, root, env))).toBe(dib);
      // And the formatter alone reproduces Python's json.dump bytes.
      expect(formatSquashed(JSON.parse(dib) as TSquashed)).toBe(dib);
    },
  );

  it("byte-for-byte with the elements in the other order", () => {
    const env = AGREEING_ENVS[0]!;
    const reversed = [...names].reverse();
    expect(formatSquashed(runKiln(reversed, root, env))).toBe(runDib(reversed, root, env));
  });
});

/** Per-phase lists with an absent list read as empty, for generation-tolerant comparison. */
function lists(s: TSquashed): Record<string, { install: string; uninstall: string }> {
  return Object.fromEntries(
    Object.entries(s).map(([phase, l]) => [
      phase,
      { install: JSON.stringify(l.install ?? []), uninstall: JSON.stringify(l.uninstall ?? []) },
    ]),
  );
}

const DIB_ENV: Env = {
  ARCH: "amd64",
  DIB_PYTHON_VERSION: "3",
  DIB_UBUNTU_KERNEL: "linux-image-generic",
  DIB_SIMPLE_INIT_NETWORKMANAGER: "0",
  DIB_RELEASE: "jammy",
};
const SELECTIONS: [string, string[], Env][] = [
  [
    "debian-like",
    ["debian-minimal", "debootstrap", "openssh-server", "cloud-init", "growroot", "devuser"],
    DIB_ENV,
  ],
  [
    "fedora-like",
    ["fedora", "redhat-common", "grub2", "dracut-regenerate", "epel", "lvm"],
    { ...DIB_ENV, ARCH: "arm64" },
  ],
  [
    "ubuntu-like",
    ["ubuntu", "ubuntu-minimal", "iso", "runtime-ssh-host-keys", "simple-init", "svc-map"],
    { ...DIB_ENV, DIB_SIMPLE_INIT_NETWORKMANAGER: "1" },
  ],
  [
    "ironic-like",
    ["dhcp-all-interfaces", "deploy-tgtadm", "iscsi-boot", "mellanox", "proliant-tools", "zipl"],
    { ...DIB_ENV, ARCH: "s390x", DIB_DEFAULT_INSTALLTYPE: "package" },
  ],
];

describe.skipIf(noDib)("squash vs DIB: DIB's own elements (ELEMENTS_PATH = DIB's elements)", () => {
  it.each(SELECTIONS)("%s", (_label, names, env) => {
    const dib = runDib(names, DIB_ELEMENTS, env);
    const kiln = runKiln(names, DIB_ELEMENTS, env);
    expect(formatSquashed(JSON.parse(dib) as TSquashed)).toBe(dib);
    if (modern) expect(formatSquashed(kiln)).toBe(dib);
    else expect(lists(kiln)).toEqual(lists(JSON.parse(dib) as TSquashed));
  });

  it("every element with package-installs at once: differences are only DIB generation's", () => {
    const names = fs
      .readdirSync(DIB_ELEMENTS)
      .filter((n) =>
        ["json", "yaml"].some((x) => fs.existsSync(`${DIB_ELEMENTS}/${n}/package-installs.${x}`)),
      )
      .sort();
    expect(names.length).toBeGreaterThan(20);
    const dibText = runDib(names, DIB_ELEMENTS, DIB_ENV);
    const kiln = runKiln(names, DIB_ELEMENTS, DIB_ENV);
    if (modern) {
      expect(formatSquashed(kiln)).toBe(dibText);
      return;
    }
    // Old DIB keeps build-only uninstalls of packages someone installs for
    // good; current DIB (and Kiln) drop them. Nothing else may differ.
    const dib = JSON.parse(dibText) as TSquashed;
    expect(Object.keys(kiln).sort()).toEqual(Object.keys(dib).sort());
    for (const [phase, l] of Object.entries(dib)) {
      const k = kiln[phase]!;
      expect(k.install ?? []).toEqual(l.install ?? []);
      const kept = new Set((k.uninstall ?? []).map((e) => JSON.stringify(e)));
      const dropped = (l.uninstall ?? []).filter((e) => !kept.has(JSON.stringify(e)));
      for (const [pkg] of dropped) {
        expect(
          (k.install ?? []).some(([p]) => p === pkg),
          `${phase}: ${pkg}`,
        ).toBe(true);
      }
      expect(kept.size).toBe((l.uninstall ?? []).length - dropped.length);
    }
  });
});

describe.skipIf(noDib)("squash vs DIB: Kiln's documented fixes", () => {
  const env = { ARCH: "amd64" };
  // Each phase opens with a passing build-only rule so both DIB generations
  // give the same structure; only the quirk under test may differ.
  const opener = "opener:\n  build-only: true\n";

  function both(files: Record<string, Record<string, string>>, names: string[]) {
    const root = tree(files);
    return {
      dib: JSON.parse(runDib(names, root, env)) as TSquashed,
      kiln: runKiln(names, root, env),
    };
  }

  it("uninstall: false — DIB uninstalls, Kiln installs", () => {
    const { dib, kiln } = both(
      { e: { "package-installs.yaml": opener + "x:\n  uninstall: false\n" } },
      ["e"],
    );
    expect(dib["install.d"]?.uninstall).toContainEqual(["x", "e"]);
    expect(dib["install.d"]?.install).not.toContainEqual(["x", "e"]);
    expect(kiln["install.d"]?.install).toContainEqual(["x", "e"]);
    expect(kiln["install.d"]?.uninstall).not.toContainEqual(["x", "e"]);
  });

  it("build-only: false — DIB installs and uninstalls, Kiln only installs", () => {
    const { dib, kiln } = both(
      { e: { "package-installs.yaml": opener + "x:\n  build-only: false\n" } },
      ["e"],
    );
    expect(dib["install.d"]?.uninstall).toContainEqual(["x", "e"]);
    expect(kiln["install.d"]?.install).toContainEqual(["x", "e"]);
    expect(kiln["install.d"]?.uninstall).not.toContainEqual(["x", "e"]);
  });

  it("arch: 'ppc64, amd64' — DIB never matches ' amd64', Kiln trims", () => {
    const { dib, kiln } = both(
      { e: { "package-installs.yaml": opener + "x:\n  arch: ppc64, amd64\n" } },
      ["e"],
    );
    expect(dib["install.d"]?.install).not.toContainEqual(["x", "e"]);
    expect(kiln["install.d"]?.install).toContainEqual(["x", "e"]);
  });

  it("an element on two path entries — DIB reads both copies, Kiln the winner only", () => {
    const first = tree({ e: { "package-installs.yaml": opener + "mine:\n" } });
    const second = tree({ e: { "package-installs.yaml": "shadowed:\n" } });
    const elementsPath = `${first}:${second}`;
    const dib = JSON.parse(runDib(["e"], elementsPath, env)) as TSquashed;
    const kiln = runKiln(["e"], elementsPath, env);
    expect(dib["install.d"]?.install).toContainEqual(["shadowed", "e"]);
    expect(kiln["install.d"]?.install).toEqual([
      ["opener", "e"],
      ["mine", "e"],
    ]);
  });

  it.each([
    ["arch and not-arch", "x:\n  arch: amd64\n  not-arch: arm64\n", /package 'x'/],
    ["a malformed when", "x:\n  when: nonsense\n", /malformed 'when' line: <nonsense>/],
    [
      "a when on an unset variable",
      "x:\n  when: DIB_UNSET_FOR_TEST = 1\n",
      /DIB_UNSET_FOR_TEST is not set/,
    ],
  ])("both refuse %s", (_label, yaml, kilnMessage) => {
    const root = tree({ e: { "package-installs.yaml": yaml } });
    expect(() => runDib(["e"], root, env)).toThrow();
    expect(() => runKiln(["e"], root, env)).toThrow(kilnMessage);
  });
});
