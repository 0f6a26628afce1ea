import fs from "node:fs";
import path from "node:path";
import { listEnvironmentFiles, listRunParts } from "../hooks/list-run-parts.ts";
import type { Logger } from "@kiln/contracts/logger";
import { loadPackageInstalls } from "../packages/load-package-installs.ts";
import { PHASES, type TPhase } from "@kiln/contracts/phases";
import { readDirNames, readListFile } from "./read-names.ts";
import type { ElementRef } from "./types.ts";

/** Everything a person wants to know about one element, read from its directory. */
export interface ElementDescription extends ElementRef {
  deps: string[];
  provides: string[];
  /** Runnable hooks per phase, in run order (phases without hooks omitted). */
  hooks: Partial<Record<TPhase, string[]>>;
  /** environment.d files in sourcing order. */
  environment: string[];
  /** Files in bin/ (installed to /usr/local/bin by install-bin). */
  bin: string[];
  /** Packages from package-installs files: name, phase and what happens to it. */
  packages: { name: string; phase: string; action: "install" | "uninstall" | "build-only" }[];
  /** Which optional data files the element ships. */
  files: {
    packageInstalls: string[];
    pkgMap: boolean;
    blockDevice: string[];
  };
  /** README text (README.md, else README.rst), if any. */
  readme?: { file: string; text: string };
}

export interface DescribeElementOptions {
  logger?: Logger;
}

/** Read an element's directory into an `ElementDescription`. */
export function describeElement(
  ref: ElementRef,
  options: DescribeElementOptions = {},
): ElementDescription {
  const entries = new Set(readDirNames(ref.path));
  const hooks: Partial<Record<TPhase, string[]>> = {};
  for (const phase of PHASES) {
    if (!entries.has(phase)) continue;
    const names = listRunParts(path.join(ref.path, phase));
    if (names.length) hooks[phase] = names;
  }
  const readmeFile = ["README.md", "README.rst"].find((f) => entries.has(f));
  return {
    ...ref,
    deps: readListFile(path.join(ref.path, "element-deps")),
    provides: readListFile(path.join(ref.path, "element-provides")),
    hooks,
    environment: listEnvironmentFiles(path.join(ref.path, "environment.d")),
    packages: loadPackageInstalls({ elementDir: ref.path, logger: options.logger }).flatMap((f) =>
      f.packages.flatMap((p) =>
        p.rules.map((r) => ({
          name: p.name,
          phase: r.phase,
          action: r.buildOnly ? ("build-only" as const) : r.uninstall ? ("uninstall" as const) : ("install" as const),
        })),
      ),
    ),
    bin: entries.has("bin") ? readDirNames(path.join(ref.path, "bin")).sort() : [],
    files: {
      packageInstalls: ["package-installs.json", "package-installs.yaml"].filter((f) =>
        entries.has(f),
      ),
      pkgMap: entries.has("pkg-map"),
      blockDevice: [...entries].filter((f) => /^block-device-.*\.yaml$/.test(f)).sort(),
    },
    readme: readmeFile
      ? { file: readmeFile, text: fs.readFileSync(path.join(ref.path, readmeFile), "utf8") }
      : undefined,
  };
}
