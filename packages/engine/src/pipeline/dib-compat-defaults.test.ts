import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ElementRef } from "../elements/types.ts";
import { baseBuildEnv } from "./build-env.ts";
import {
  OLD_LAYOUT_ENV,
  SECURITY_SUITE_LAYOUT_ENV,
  sourcedSecuritySuite,
  writeDebianMinimal,
} from "../testing/debian-minimal-fixtures.ts";
import {
  dibCompatDefaults,
  dibCompatDefaultsFor,
  probeSecuritySuite,
  securitySuiteOf,
} from "./dib-compat-defaults.ts";

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kiln-compat-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const oldTree = writeDebianMinimal(path.join(tmp, "old"), OLD_LAYOUT_ENV);
const newTree = writeDebianMinimal(path.join(tmp, "new"), SECURITY_SUITE_LAYOUT_ENV);
const DIB_313: ElementRef = {
  name: "debian-minimal",
  path: "/usr/lib/python3/dist-packages/diskimage_builder/elements/debian-minimal",
};
const KILN_OWN: ElementRef = {
  name: "debian-minimal",
  path: path.resolve(import.meta.dirname, "../../../../elements/debian-minimal"),
};
const noDib = !fs.existsSync(DIB_313.path);
if (noDib) console.log(`dib-compat-defaults: DIB 3.13 tests skipped, ${DIB_313.path} absent`);

/** The security suite apt gets in a build of `element` with the caller's `userEnv`. */
function suiteInBuild(element: ElementRef, userEnv: Record<string, string> = {}) {
  const env = baseBuildEnv({
    userEnv: { PATH: "/usr/bin:/bin", ...userEnv },
    dirs: { buildDir: "/b", imageDir: "/i", hooksPath: "/b/hooks", mountPath: "/b/mnt" },
    elements: [element],
    elementsPath: [path.dirname(element.path)],
    imageName: "img",
    arch: "amd64",
    debugTrace: 0,
    imageCache: path.join(tmp, "cache"),
    args: ["debian-minimal"],
  });
  return sourcedSecuritySuite(element, env);
}

describe("the Debian security subpath default", () => {
  it("without a probe, defaults only where the release uses -security", () => {
    expect(dibCompatDefaults({})).toEqual({ DIB_DEBIAN_SECURITY_SUBPATH: "-security" });
    expect(dibCompatDefaults({ DIB_RELEASE: "bookworm" })).toEqual({
      DIB_DEBIAN_SECURITY_SUBPATH: "-security",
    });
    expect(dibCompatDefaults({ DIB_RELEASE: "bullseye" })).toEqual({});
    expect(dibCompatDefaults({ DIB_RELEASE: "buster" })).toEqual({});
    expect(dibCompatDefaults({ DIB_DEBIAN_SECURITY_SUBPATH: "/updates" })).toEqual({});
  });

  it("with a probe, defaults only where the tree would name an <release>/updates suite", () => {
    const old = { release: "bookworm", suite: "bookworm/updates" };
    expect(dibCompatDefaults({}, old)).toEqual({ DIB_DEBIAN_SECURITY_SUBPATH: "-security" });
    expect(dibCompatDefaults({}, { release: "buster", suite: "buster/updates" })).toEqual({});
    expect(dibCompatDefaults({}, { release: "trixie", suite: "trixie-security" })).toEqual({});
    expect(dibCompatDefaults({}, { release: "sid", suite: undefined })).toEqual({});
    expect(dibCompatDefaults({}, null)).toEqual({});
    expect(dibCompatDefaults({ DIB_DEBIAN_SECURITY_SUBPATH: "" }, old)).toEqual({});
  });

  it("reads the suite of the security entry", () => {
    const conf =
      "default:deb http://m/debian trixie main\nsecurity:deb http://m/s trixie-security main";
    expect(securitySuiteOf(conf)).toBe("trixie-security");
    expect(securitySuiteOf("security:deb [arch=amd64 trusted=yes] http://m/s x/updates main")).toBe(
      "x/updates",
    );
    expect(securitySuiteOf("default:deb http://m/debian sid main")).toBeUndefined();
  });

  it("an old-layout tree gets -security, a newer one nothing: both end at <release>-security", () => {
    expect(probeSecuritySuite([oldTree], {})).toEqual({
      release: "stable",
      suite: "stable/updates",
    });
    expect(dibCompatDefaultsFor([oldTree], { DIB_RELEASE: "bookworm" })).toEqual({
      DIB_DEBIAN_SECURITY_SUBPATH: "-security",
    });
    expect(dibCompatDefaultsFor([newTree], { DIB_RELEASE: "bookworm" })).toEqual({});
    expect(suiteInBuild(oldTree, { DIB_RELEASE: "bookworm" })).toBe("bookworm-security");
    expect(suiteInBuild(newTree, { DIB_RELEASE: "bookworm" })).toBe("bookworm-security");
    expect(suiteInBuild(oldTree, { DIB_RELEASE: "bullseye" })).toBe("bullseye-security");
    expect(suiteInBuild(oldTree, { DIB_RELEASE: "buster" })).toBe("buster/updates");
  });

  it("the caller's value is used as given", () => {
    const env = { DIB_RELEASE: "bookworm", DIB_DEBIAN_SECURITY_SUBPATH: "-security" };
    expect(suiteInBuild(newTree, env)).toBe("bookworm-security-security");
    expect(suiteInBuild(oldTree, env)).toBe("bookworm-security");
  });

  it("a build without debian-minimal gets no default; an unreadable one falls back", () => {
    const other: ElementRef = { name: "base", path: path.join(tmp, "base") };
    expect(dibCompatDefaultsFor([other], {})).toEqual({});
    const broken = writeDebianMinimal(path.join(tmp, "broken"), "exit 3\n");
    expect(probeSecuritySuite([broken], {})).toBeUndefined();
    expect(dibCompatDefaultsFor([broken], { DIB_RELEASE: "bookworm" })).toEqual({
      DIB_DEBIAN_SECURITY_SUBPATH: "-security",
    });
  });

  it("Kiln's own debian-minimal needs no default", () => {
    expect(dibCompatDefaultsFor([KILN_OWN], {})).toEqual({});
    expect(suiteInBuild(KILN_OWN)).toBe("bookworm-security");
  });

  it.skipIf(noDib)("DIB 3.13's debian-minimal gets -security", () => {
    expect(probeSecuritySuite([DIB_313], {})?.suite).toBe("stable/updates");
    expect(suiteInBuild(DIB_313)).toBe("stable-security");
    expect(suiteInBuild(DIB_313, { DIB_RELEASE: "bookworm" })).toBe("bookworm-security");
    expect(suiteInBuild(DIB_313, { DIB_RELEASE: "bullseye" })).toBe("bullseye-security");
  });
});
