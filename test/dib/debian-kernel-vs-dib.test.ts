// The kernel of a Debian image: DIB's debian-minimal installs
// linux-image-<flavour> for ARCH itself, so `debian-minimal` means a kernel
// with or without `vm`. Kiln's built-in elements must give the same package
// for every architecture, and `vm debian-minimal` must still get one kernel.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findElements } from "@kiln/engine/elements/find-elements";
import { squashPackageInstalls } from "@kiln/engine/packages/squash-package-installs";
import { planBuild } from "@kiln/engine/plan/plan-build";
import { DIB_ELEMENTS, DIB_PYTHON } from "../support/dib-oracle.ts";
import { hasDib, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";

const noDib = hasDib();
warnIfSkipped("test/dib/debian-kernel-vs-dib.test.ts", noDib);

const KILN_ELEMENTS = path.resolve(import.meta.dirname, "..", "..", "elements");
const ARCHES = ["amd64", "arm64", "i386", "armhf", "ppc64el"];
const isKernel = (pkg: string) => pkg.startsWith("linux-image-");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-kernel-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Kernel packages Kiln installs for `elements` (expanded as `kiln build -n` would). */
function kilnKernels(elements: string[], arch: string): string[] {
  const plan = planBuild({
    elements,
    elementsPath: [KILN_ELEMENTS],
    skipBase: true,
    arch,
    env: { ARCH: arch },
  });
  const squashed = squashPackageInstalls({ elements: plan.elements, env: { ARCH: arch } });
  return Object.values(squashed)
    .flatMap((lists) => lists.install ?? [])
    .map(([pkg]) => pkg)
    .filter(isKernel);
}

/** Kernel packages DIB's own squash lists for its debian-minimal alone. */
function dibKernels(arch: string): string[] {
  const out = path.join(tmp, `dib-${arch}.json`);
  execFileSync(
    DIB_PYTHON,
    [
      path.join(DIB_ELEMENTS, "package-installs/bin/package-installs-squash"),
      "--elements=debian-minimal",
      `--path=${DIB_ELEMENTS}`,
      out,
    ],
    { env: { PATH: "/usr/bin:/bin", ARCH: arch }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const data = JSON.parse(fs.readFileSync(out, "utf8")) as Record<
    string,
    { install?: [string, string][] }
  >;
  return Object.values(data)
    .flatMap((lists) => lists.install ?? [])
    .map(([pkg]) => pkg)
    .filter(isKernel);
}

describe("Debian kernel: debian-minimal installs it, as DIB's does", () => {
  it("debian-minimal alone gets the kernel for ARCH", () => {
    expect(Object.fromEntries(ARCHES.map((a) => [a, kilnKernels(["debian-minimal"], a)]))).toEqual({
      amd64: ["linux-image-amd64"],
      arm64: ["linux-image-arm64"],
      i386: ["linux-image-686"],
      armhf: [],
      ppc64el: [],
    });
  });

  it("vm adds no second kernel", () => {
    for (const arch of ["amd64", "arm64"]) {
      expect(kilnKernels(["vm", "debian-minimal"], arch)).toEqual([`linux-image-${arch}`]);
    }
    // The package comes from the OS element, not from vm.
    const all = findElements({ elementsPath: [KILN_ELEMENTS] });
    const vm = all.get("vm");
    expect(vm).toBeDefined();
    const fromVm = squashPackageInstalls({ elements: [vm!], env: { ARCH: "amd64" } });
    expect(
      Object.values(fromVm)
        .flatMap((l) => l.install ?? [])
        .filter(([pkg]) => isKernel(pkg)),
    ).toEqual([]);
  });

  it.skipIf(noDib !== null)("the same kernel package as DIB's debian-minimal on every arch", () => {
    for (const arch of ARCHES) {
      expect({ arch, kernels: kilnKernels(["debian-minimal"], arch) }).toEqual({
        arch,
        kernels: dibKernels(arch),
      });
    }
  });
});
