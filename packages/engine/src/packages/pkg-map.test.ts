import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PkgMapError } from "./package-errors.ts";
import {
  distroFamily,
  parsePkgMap,
  readPkgMap,
  releaseKey,
  resolvePkgMap,
  runPkgMap,
  type TPkgMap,
} from "./pkg-map.ts";

const MAP: TPkgMap = {
  default: { dev: "build-essential", tool: "tool", gone: "gone-default", multi: "a b" },
  family: { redhat: { dev: "gcc", gone: "" }, suse: {} },
  distro: { fedora: { tool: "fedora-tool" }, centos: { tool: "centos-tool" } },
  release: { centos: { "8": { tool: "centos8-tool" } }, fedora: { "40": { dev: "gcc-40" } } },
};

function resolve(distro: string, release: string | undefined, names: string[], missingOk = false) {
  return resolvePkgMap({ map: MAP, distro, release, names, missingOk, element: "el" });
}

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-pkgmap-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function pkgMapError(fn: () => unknown): PkgMapError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PkgMapError);
    return e as PkgMapError;
  }
  throw new Error("expected a PkgMapError");
}

describe("distroFamily / releaseKey", () => {
  it("maps distros to families as DIB does", () => {
    for (const d of ["almalinux", "fedora", "rhel", "centos", "openeuler", "rocky"]) {
      expect(distroFamily(d)).toBe("redhat");
    }
    expect(distroFamily("debian")).toBe("debian");
    expect(distroFamily("ubuntu")).toBe("debian");
    expect(distroFamily("opensuse")).toBe("suse");
    expect(distroFamily("gentoo")).toBe("gentoo");
    expect(distroFamily("arch")).toBeUndefined();
    expect(distroFamily("constructor")).toBeUndefined();
  });

  it("reads 8-stream as 8 and nothing else", () => {
    expect(releaseKey("8-stream")).toBe("8");
    expect(releaseKey("9-stream")).toBe("9-stream");
  });
});

describe("resolvePkgMap", () => {
  it("default < family < distro < release", () => {
    expect(resolve("ubuntu", "noble", ["dev", "tool"]).mapped).toEqual(["build-essential", "tool"]);
    expect(resolve("rhel", "9", ["dev", "tool"]).mapped).toEqual(["gcc", "tool"]);
    expect(resolve("fedora", "39", ["dev", "tool"]).mapped).toEqual(["gcc", "fedora-tool"]);
    expect(resolve("fedora", "40", ["dev", "tool"]).mapped).toEqual(["gcc-40", "fedora-tool"]);
    expect(resolve("centos", "8-stream", ["tool"]).mapped).toEqual(["centos8-tool"]);
    expect(resolve("centos", undefined, ["tool"]).mapped).toEqual(["centos-tool"]);
  });

  it("an empty mapping skips the name; a value with spaces is kept whole", () => {
    const r = resolve("centos", "9", ["gone", "multi"]);
    expect(r.mapped).toEqual(["a b"]);
    expect(r.skipped).toEqual(["gone"]);
  });

  it("a missing name passes through with missingOk", () => {
    const r = resolve("ubuntu", undefined, ["nope", "dev"], true);
    expect(r.mapped).toEqual(["nope", "build-essential"]);
    expect(r.passedThrough).toEqual(["nope"]);
  });

  it("a missing name without missingOk names the element and the package (exit 1)", () => {
    const err = pkgMapError(() => resolve("ubuntu", undefined, ["dev", "nope"]));
    expect(err.message).toBe("el has no valid mapping for package nope");
    expect(err.exitCode).toBe(1);
  });

  it("does not find names on Object.prototype", () => {
    expect(() => resolve("ubuntu", undefined, ["constructor"])).toThrow(/package constructor/);
  });
});

describe("parsePkgMap / readPkgMap", () => {
  it("parses a valid file and returns undefined for a missing one", () => {
    const file = tmpFile("m", JSON.stringify(MAP));
    expect(readPkgMap(file)).toEqual(MAP);
    expect(readPkgMap(file + ".missing")).toBeUndefined();
  });

  it("rejects broken JSON naming the file (DIB: 'Unable to parse')", () => {
    const err = pkgMapError(() => parsePkgMap("{ default: ", "/x/pkg-map"));
    expect(err.message).toMatch(/^Unable to parse \/x\/pkg-map: /);
    expect(err.exitCode).toBe(1);
  });

  it("rejects a wrong shape naming the file and the field", () => {
    const err = pkgMapError(() => parsePkgMap('{"distro": {"fedora": {"a": ["x"]}}}', "/x/m"));
    expect(err.message).toMatch(/^\/x\/m: 'distro\.fedora\.a': /);
  });
});

describe("runPkgMap", () => {
  const file = tmpFile("pkg-map", JSON.stringify(MAP));

  it("checks arguments like DIB, exit 1", () => {
    const cases: [Parameters<typeof runPkgMap>[0], string][] = [
      [{ names: ["a"], distro: "fedora" }, "Please specify an --element argument."],
      [
        { names: [], element: "e", pkgMapFile: file, distro: "f" },
        "Specify either --element or --pkg-map",
      ],
      [{ names: [], element: "e" }, "Please specify a --distro argument or set DISTRO_NAME."],
    ];
    for (const [options, message] of cases) {
      const err = pkgMapError(() => runPkgMap(options));
      expect([err.message, err.exitCode]).toEqual([message, 1]);
    }
  });

  it("reads --pkg-map and labels messages <file>", () => {
    expect(runPkgMap({ pkgMapFile: file, distro: "fedora", names: ["dev"] }).mapped).toEqual([
      "gcc",
    ]);
    const err = pkgMapError(() => runPkgMap({ pkgMapFile: file, distro: "fedora", names: ["z"] }));
    expect(err.message).toBe(`<${file}> has no valid mapping for package z`);
  });

  it("finds an element's map through mapFileForElement", () => {
    const r = runPkgMap({
      element: "el",
      mapFileForElement: (e) => (e === "el" ? file : undefined),
      distro: "debian",
      names: ["dev"],
    });
    expect(r.mapped).toEqual(["build-essential"]);
  });

  it("a missing map: names pass through with missingOk, else exit 2", () => {
    const missing = { element: "el", mapFileForElement: () => undefined, distro: "debian" };
    expect(runPkgMap({ ...missing, names: ["a", "b"], missingOk: true }).mapped).toEqual([
      "a",
      "b",
    ]);
    const err = pkgMapError(() => runPkgMap({ ...missing, names: ["a"] }));
    expect([err.message, err.exitCode]).toEqual([
      "Required pkg-map for el element does not exist.",
      2,
    ]);
  });

  it("defaults to /usr/share/pkg-map/<element>", () => {
    const err = pkgMapError(() =>
      runPkgMap({ element: "kiln-no-such-element", distro: "debian", names: ["a"] }),
    );
    expect(err.exitCode).toBe(2);
  });
});
