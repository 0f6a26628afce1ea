import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ElementFileError } from "../errors.ts";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { parseWhen, type TWhen } from "./parse-when.ts";
import { readJsonOrYaml } from "./read-data-file.ts";

/** The files DIB reads from an element, in the order it reads them. */
export const PACKAGE_INSTALLS_FILES = ["package-installs.json", "package-installs.yaml"] as const;

/** Phases whose hooks consume the squashed lists; other phases are accepted but unused. */
export const PACKAGE_PHASES = ["pre-install.d", "install.d", "post-install.d"] as const;

const mustBeFlag = "must be true or false";
const mustBeArch = "must be a comma-separated list of architectures";

/** One rule as written in the file (DIB's keys), before normalisation. */
export const ZRawPackageRule = z.looseObject({
  phase: z.string({ error: "must be a string" }).optional(),
  // DIB acts on the key's presence; a bare `uninstall:` (null) counts as set.
  uninstall: z.union([z.boolean(), z.null()], { error: mustBeFlag }).optional(),
  "build-only": z.union([z.boolean(), z.null()], { error: mustBeFlag }).optional(),
  installtype: z.string({ error: "must be a string" }).nullish(),
  arch: z.string({ error: mustBeArch }).min(1, { error: mustBeArch }).nullish(),
  "not-arch": z.string({ error: mustBeArch }).min(1, { error: mustBeArch }).nullish(),
  when: z
    .union([z.string(), z.array(z.string())], { error: "must be a string or list of strings" })
    .nullish(),
  dib_python_version: z
    .union([z.string(), z.number()], {
      error: "must be a string or a number",
    })
    .optional(),
});
export type TRawPackageRule = z.infer<typeof ZRawPackageRule>;

const KNOWN_KEYS = new Set(Object.keys(ZRawPackageRule.shape));

/** A normalised rule: what the squash algorithm needs, with Kiln's quirk fixes applied. */
export interface TPackageRule {
  /** Hook directory whose lists get the package; default `install.d`. */
  phase: string;
  /** Remove the package at the end of the phase (`uninstall` set and not `false`). */
  uninstall: boolean;
  /** Install, then remove at the end of the phase (`build-only` set and not `false`). */
  buildOnly: boolean;
  /** Only for elements of this install type. */
  installtype?: string;
  /** Only on these architectures (items trimmed, unlike DIB). */
  arch?: string[];
  /** Never on these architectures (items trimmed, unlike DIB). */
  notArch?: string[];
  /** Only when `$DIB_PYTHON_VERSION` equals this (`str()` of the YAML value). */
  dibPythonVersion?: string;
  /** Conditions on environment variables, all of which must hold. */
  when?: TWhen[];
}

/** One package of a file and its rules, in file order. */
export interface TPackageEntry {
  name: string;
  rules: TPackageRule[];
}

/** One parsed package-installs file. */
export interface TPackageInstallsFile {
  /** Path of the file, for messages. */
  file: string;
  /** Packages in file order. */
  packages: TPackageEntry[];
}

export interface LoadPackageInstallsOptions {
  /** The element's directory (the winning copy). */
  elementDir: string;
  /** Receives a warning per ignored key or unused phase. */
  logger?: Logger;
}

/**
 * Read an element's package-installs files (json, then yaml, both when
 * present). Returns one entry per file found; none when the element has none.
 */
export function loadPackageInstalls(options: LoadPackageInstallsOptions): TPackageInstallsFile[] {
  const logger = options.logger ?? silentLogger;
  const files: TPackageInstallsFile[] = [];
  for (const name of PACKAGE_INSTALLS_FILES) {
    const file = path.join(options.elementDir, name);
    if (!fs.existsSync(file)) continue;
    files.push(parsePackageInstalls(readJsonOrYaml(file), file, logger));
  }
  return files;
}

/** Validate already-parsed data (mappings as `Map`s or objects) of `file`. */
export function parsePackageInstalls(
  data: unknown,
  file: string,
  logger: Logger = silentLogger,
): TPackageInstallsFile {
  // An empty file is YAML null; DIB crashes on it, Kiln reads it as no packages.
  if (data === null || data === undefined) return { file, packages: [] };
  const top = entriesOf(data);
  if (!top) {
    throw new ElementFileError(file, "top level must be a mapping of package names to rules");
  }
  const packages = top.map(([name, spec]) => ({
    name,
    rules: specRules(spec, file, name).map((raw, i, all) =>
      normaliseRule(raw, file, name, all.length > 1 ? i + 1 : undefined, logger),
    ),
  }));
  return { file, packages };
}

/** DIB's spec shapes: empty → one default rule, mapping → one rule, list → several. */
function specRules(spec: unknown, file: string, pkg: string): unknown[] {
  if (isEmptySpec(spec)) return [new Map()];
  if (Array.isArray(spec)) return spec;
  if (entriesOf(spec)) return [spec];
  throw new ElementFileError(
    file,
    `package '${pkg}': rules must be empty, a mapping or a list of mappings`,
  );
}

function isEmptySpec(spec: unknown): boolean {
  if (spec === null || spec === undefined || spec === "") return true;
  if (Array.isArray(spec)) return spec.length === 0;
  if (spec instanceof Map) return spec.size === 0;
  return false;
}

function normaliseRule(
  raw: unknown,
  file: string,
  pkg: string,
  index: number | undefined,
  logger: Logger,
): TPackageRule {
  const where = `package '${pkg}'` + (index === undefined ? "" : ` rule ${index}`);
  const entries = entriesOf(raw);
  if (!entries) throw new ElementFileError(file, `${where}: each rule must be a mapping`);
  const parsed = ZRawPackageRule.safeParse(Object.fromEntries(entries));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0];
    throw new ElementFileError(
      file,
      `${where}: ` + (field === undefined ? "" : `'${String(field)}' `) + issue?.message,
    );
  }
  const r = parsed.data;
  for (const [key] of entries) {
    if (!KNOWN_KEYS.has(key)) logger.warn(`${file}: ${where}: unknown key '${key}' ignored`);
  }
  // DIB only notices both when it evaluates the rule; a file that says both is
  // wrong on every architecture, so Kiln refuses it up front.
  if (r.arch && r["not-arch"]) {
    throw new ElementFileError(file, `${where}: 'arch' and 'not-arch' are both given`);
  }
  const rule: TPackageRule = {
    phase: r.phase ?? "install.d",
    // Kiln fix: DIB treats the mere presence of the key as true, even `false`.
    uninstall: r.uninstall !== undefined && r.uninstall !== false,
    buildOnly: r["build-only"] !== undefined && r["build-only"] !== false,
  };
  if (!(PACKAGE_PHASES as readonly string[]).includes(rule.phase)) {
    logger.warn(`${file}: ${where}: phase '${rule.phase}' has no package-installs hook`);
  }
  if (r.installtype != null) rule.installtype = r.installtype;
  if (r.arch) rule.arch = splitArchList(r.arch);
  if (r["not-arch"]) rule.notArch = splitArchList(r["not-arch"]);
  const dpv = r.dib_python_version === undefined ? "" : String(r.dib_python_version);
  // An empty value is no condition at all, as in DIB.
  if (dpv !== "") rule.dibPythonVersion = dpv;
  if (r.when != null) {
    rule.when = (typeof r.when === "string" ? [r.when] : r.when).map((line) => {
      const cond = parseWhen(line);
      if (!cond) throw new ElementFileError(file, `${where}: malformed 'when' line: <${line}>`);
      return cond;
    });
  }
  return rule;
}

/** Kiln fix: DIB splits on commas but never strips, so "a, b" never matches "b". */
function splitArchList(value: string): string[] {
  return value.split(",").map((s) => s.trim());
}

/** Entries of a mapping (Map from the YAML reader, or a plain object), keys as strings. */
function entriesOf(value: unknown): [string, unknown][] | undefined {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v]);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    if (value instanceof Date) return undefined;
    return Object.entries(value);
  }
  return undefined;
}
