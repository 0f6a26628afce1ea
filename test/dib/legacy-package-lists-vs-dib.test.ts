// The deprecated per-phase lists (`<phase>.d/package-installs-<element>`):
// Kiln's package-installs hooks apply them as DIB's `package-installs -d` and
// `package-uninstalls -d` do, before the squashed lists. Both run on the host
// with an `install-packages` stand-in that records each call.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DIB_ELEMENTS } from "../support/dib-oracle.ts";
import { hasDib, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";

const noDib = hasDib();
warnIfSkipped("test/dib/legacy-package-lists-vs-dib.test.ts", noDib);

const ELEMENTS = path.resolve(import.meta.dirname, "..", "..", "elements");
const APPLY = path.join(ELEMENTS, "package-installs/bin/apply-package-installs");
const PKG_MAP_BIN = path.join(ELEMENTS, "pkg-map/bin");
const DIB_BIN = path.join(DIB_ELEMENTS, "package-installs/bin");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-legacy-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const fakeBin = path.join(tmp, "fake-bin");
fs.mkdirSync(fakeBin);
fs.writeFileSync(
  path.join(fakeBin, "install-packages"),
  '#!/bin/bash\necho "install-packages $*" >> "$CALLS"\n',
  { mode: 0o755 },
);

let count = 0;

/** A phase directory holding `lists` (file name → text) and a hook-like file. */
function phaseDir(lists: Record<string, string>): string {
  const dir = path.join(tmp, `phase-${(count += 1)}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "10-package-installs"), "#!/bin/bash\n", { mode: 0o755 });
  for (const [name, text] of Object.entries(lists)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs `argv` with the stand-in first on PATH; returns the recorded calls. */
function calls(argv: string[], env: Record<string, string> = {}): string[] {
  const log = path.join(tmp, `calls-${(count += 1)}`);
  const run = spawnSync(argv[0] as string, argv.slice(1), {
    env: {
      PATH: `${fakeBin}:${PKG_MAP_BIN}:/usr/bin:/bin`,
      CALLS: log,
      DISTRO_NAME: "debian",
      DIB_RELEASE: "bookworm",
      ...env,
    },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`${argv.join(" ")} failed: ${run.stdout}${run.stderr}`);
  return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
}

function squashed(data: object): string {
  const file = path.join(tmp, `squashed-${(count += 1)}.json`);
  fs.writeFileSync(file, JSON.stringify(data));
  return file;
}

function kiln(dir: string, uninstall: boolean, json = squashed({}), env = {}): string[] {
  const flags = [
    "--phase",
    "install.d",
    "--legacy-dir",
    dir,
    ...(uninstall ? ["--uninstall"] : []),
  ];
  return calls(["python3", APPLY, ...flags, json], env);
}

/** Package names of the calls, ignoring DIB's extra call with no packages. */
function packagesOf(lines: string[]): string[] {
  return lines
    .map((l) =>
      l
        .split(" ")
        .slice(1)
        .filter((w) => w !== "-e"),
    )
    .filter((words) => words.length > 0)
    .flat()
    .sort();
}

const LISTS = {
  "package-installs-web": "# web server\napache2\n\n-build-essential\n  curl  \n",
  "package-installs-db": "-libpq-dev\npostgresql-client\n",
};

describe("deprecated package-installs-<element> lists", () => {
  it("installs every entry first, then the squashed lists; removes the '-' entries", () => {
    const dir = phaseDir(LISTS);
    const json = squashed({ "install.d": { install: [["jq", "tools"]], uninstall: [] } });
    expect(kiln(dir, false, json)).toEqual([
      "install-packages libpq-dev postgresql-client apache2 build-essential curl",
      "install-packages jq",
    ]);
    expect(kiln(dir, true)).toEqual(["install-packages -e libpq-dev build-essential"]);
  });

  it("maps entries through the element's pkg-map when it has one", () => {
    const mapDir = path.join(tmp, "pkg-map");
    fs.mkdirSync(mapDir);
    fs.writeFileSync(
      path.join(mapDir, "web"),
      JSON.stringify({ family: { debian: { apache: "apache2", gone: "" } } }),
    );
    const dir = phaseDir({ "package-installs-web": "apache\ngone\nzip\n" });
    expect(kiln(dir, false, squashed({}), { KILN_PKG_MAP_DIR: mapDir })).toEqual([
      "install-packages apache2 zip",
    ]);
  });

  it("does nothing without lists", () => {
    expect(kiln(phaseDir({}), false)).toEqual([]);
    expect(kiln(phaseDir({}), true)).toEqual([]);
  });

  it.skipIf(noDib !== null)("installs and removes the same packages as DIB", () => {
    for (const [name, text] of Object.entries(LISTS)) {
      const dir = phaseDir({ [name]: text });
      const dibInstall = calls(["bash", path.join(DIB_BIN, "package-installs"), "-d", dir]);
      const dibRemove = calls(["bash", path.join(DIB_BIN, "package-uninstalls"), "-d", dir]);
      expect(packagesOf(dibInstall).length).toBeGreaterThan(0);
      expect({ name, install: packagesOf(kiln(dir, false)) }).toEqual({
        name,
        install: packagesOf(dibInstall),
      });
      expect({ name, remove: packagesOf(kiln(dir, true)) }).toEqual({
        name,
        remove: packagesOf(dibRemove),
      });
    }
  });
});
