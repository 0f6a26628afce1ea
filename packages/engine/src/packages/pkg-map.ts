import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { PkgMapError } from "./package-errors.ts";

// A null value is treated like "" (skip), as DIB's `elif name in name_map` does.
const ZNameMap = z.record(z.string(), z.string().nullable());

/** An element's `pkg-map` file: generic package names → distro package names. */
export const ZPkgMap = z.looseObject({
  /** Used on every distro unless a more specific level overrides. */
  default: ZNameMap.optional(),
  /** Per distro family (`redhat`, `debian`, `suse`, `gentoo`). */
  family: z.record(z.string(), ZNameMap).optional(),
  /** Per distro name (`DISTRO_NAME`). */
  distro: z.record(z.string(), ZNameMap).optional(),
  /** Per distro, then per release (`DIB_RELEASE`, "8-stream" read as "8"). */
  release: z.record(z.string(), z.record(z.string(), ZNameMap)).optional(),
});
export type TPkgMap = z.infer<typeof ZPkgMap>;

/** Where DIB's pkg-map element installs each element's map inside the image. */
export const DIB_PKG_MAP_DIR = "/usr/share/pkg-map";

const FAMILIES: Record<string, string> = {
  almalinux: "redhat",
  fedora: "redhat",
  rhel: "redhat",
  centos: "redhat",
  openeuler: "redhat",
  rocky: "redhat",
  debian: "debian",
  ubuntu: "debian",
  opensuse: "suse",
  gentoo: "gentoo",
};

/** The distro family pkg-map files use for `distro`, or undefined for an unknown distro. */
export function distroFamily(distro: string): string | undefined {
  return Object.hasOwn(FAMILIES, distro) ? FAMILIES[distro] : undefined;
}

/** The release key looked up under `release.<distro>`: CentOS "8-stream" shares "8". */
export function releaseKey(release: string): string {
  return release === "8-stream" ? "8" : release;
}

/** Parse a pkg-map file's text (JSON only, as DIB reads it); errors name the file. */
export function parsePkgMap(text: string, file: string): TPkgMap {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new PkgMapError(`Unable to parse ${file}: ${(cause as Error).message}`, 1, { cause });
  }
  const parsed = ZPkgMap.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? `'${issue.path.join(".")}': ` : "";
    throw new PkgMapError(`${file}: ${at}${issue?.message ?? "invalid pkg-map"}`, 1);
  }
  return parsed.data;
}

/** Read and parse a pkg-map file; undefined when it does not exist. */
export function readPkgMap(file: string): TPkgMap | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PkgMapError(`${file}: cannot read: ${(cause as Error).message}`, 1, { cause });
  }
  return parsePkgMap(text, file);
}

export interface ResolvePkgMapOptions {
  /** The parsed map. */
  map: TPkgMap;
  /** Distro name (DISTRO_NAME). */
  distro: string;
  /** Release (DIB_RELEASE); without it the `release` level is not used. */
  release?: string;
  /** Generic names to map, in output order. */
  names: readonly string[];
  /** Pass names without a mapping through unchanged instead of failing. */
  missingOk?: boolean;
  /** Label for messages: the element, or `<file>` for an explicit map file. */
  element: string;
  /** Gets one debug line per name. */
  logger?: Logger;
}

/** The outcome of mapping names, each list in input order. */
export interface TPkgMapResult {
  /** What DIB prints: mapped names, and unmapped names passed through under missingOk. */
  mapped: string[];
  /** Names whose mapping is empty on this distro (not needed there). */
  skipped: string[];
  /** Names without a mapping that were passed through (missingOk). */
  passedThrough: string[];
}

/**
 * Map generic names with DIB's precedence (default < family < distro <
 * release). An empty mapping drops the name; a missing one is passed through
 * with `missingOk`, else it is an error naming the element and the name.
 */
export function resolvePkgMap(options: ResolvePkgMapOptions): TPkgMapResult {
  const { map, distro } = options;
  const logger = options.logger ?? silentLogger;
  const nameMap = new Map<string, string | null>(Object.entries(map.default ?? {}));
  const merge = (level: Record<string, string | null> | undefined) => {
    for (const [k, v] of Object.entries(level ?? {})) nameMap.set(k, v);
  };
  const family = distroFamily(distro);
  if (family !== undefined) merge(own(map.family, family));
  merge(own(map.distro, distro));
  if (options.release !== undefined) {
    merge(own(own(map.release, distro), releaseKey(options.release)));
  }
  const result: TPkgMapResult = { mapped: [], skipped: [], passedThrough: [] };
  for (const name of options.names) {
    const value = nameMap.get(name);
    if (value) {
      logger.debug(`map ${name} -> ${value}`);
      result.mapped.push(value);
    } else if (nameMap.has(name)) {
      logger.debug(`map ${name} -> <skip>`);
      result.skipped.push(name);
    } else if (options.missingOk) {
      logger.debug(`pass -> ${name}`);
      result.mapped.push(name);
      result.passedThrough.push(name);
    } else {
      throw new PkgMapError(`${options.element} has no valid mapping for package ${name}`, 1);
    }
  }
  return result;
}

export interface RunPkgMapOptions {
  /** Element whose map is used (DIB's `--element`). */
  element?: string;
  /** Explicit map file (DIB's `--pkg-map`); exclusive with `element`. */
  pkgMapFile?: string;
  /**
   * Where an element's map lives (undefined: it has none); default
   * `/usr/share/pkg-map/<element>` as in DIB.
   */
  mapFileForElement?: (element: string) => string | undefined;
  /** Distro name; DIB defaults it to $DISTRO_NAME (the caller passes that). */
  distro?: string;
  /** Release; DIB defaults it to $DIB_RELEASE. */
  release?: string;
  /** Names to map. */
  names: readonly string[];
  /** See `ResolvePkgMapOptions.missingOk`; also makes a missing map file pass names through. */
  missingOk?: boolean;
  logger?: Logger;
}

/**
 * DIB's `pkg-map` command minus printing: check the arguments, find and read
 * the map, resolve. Throws `PkgMapError` whose `exitCode` is DIB's (2 only
 * for a missing map file without `missingOk`).
 */
export function runPkgMap(options: RunPkgMapOptions): TPkgMapResult {
  const logger = options.logger ?? silentLogger;
  if (!options.element && !options.pkgMapFile) {
    throw new PkgMapError("Please specify an --element argument.", 1);
  }
  if (options.element && options.pkgMapFile) {
    throw new PkgMapError("Specify either --element or --pkg-map", 1);
  }
  if (!options.distro) {
    throw new PkgMapError("Please specify a --distro argument or set DISTRO_NAME.", 1);
  }
  const element = options.pkgMapFile ? `<${options.pkgMapFile}>` : (options.element as string);
  const file =
    options.pkgMapFile ??
    (options.mapFileForElement ?? ((e) => path.join(DIB_PKG_MAP_DIR, e)))(element);
  logger.info(`Mapping for ${element} : ${options.names.join(" ")}`);
  const map = file === undefined ? undefined : readPkgMap(file);
  if (!map) {
    if (options.missingOk) {
      logger.info(`No package map for ${element}, done`);
      return { mapped: [...options.names], skipped: [], passedThrough: [...options.names] };
    }
    throw new PkgMapError(`Required pkg-map for ${element} element does not exist.`, 2);
  }
  return resolvePkgMap({ ...options, map, distro: options.distro, element });
}

function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
