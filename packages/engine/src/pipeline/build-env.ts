import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import { formatElementEnv } from "../elements/element-env.ts";
import type { ElementRef } from "../elements/types.ts";
import { stringify } from "yaml";
import { CHROOT_PHASES, type TPhase } from "@kiln/contracts/phases";
import { dibCompatDefaultsFor } from "./dib-compat-defaults.ts";
import {
  checkoutPythonPath,
  dieFunctionBody,
  IN_TARGET_LIB,
  KILN_LIB_DIR,
  resolvePythonExec,
} from "./runtime-lib.ts";

/** The PATH hooks get inside the chroot (DIB's list, without its literal `$PATH` quirk). */
export const CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface BuildPaths {
  /** `TMP_BUILD_DIR` */
  buildDir: string;
  /** `TMP_IMAGE_DIR` */
  imageDir: string;
  /** `TMP_HOOKS_PATH` (= buildDir/hooks) */
  hooksPath: string;
  /** `TMP_MOUNT_PATH` (= buildDir/mnt) */
  mountPath: string;
}

export interface BaseEnvOptions {
  /** The caller's environment: passed through as DIB passes its own. */
  userEnv: Record<string, string | undefined>;
  /** Variables of `userEnv` holding secrets: hooks get them, DIB_ENV does not. */
  secretNames?: readonly string[];
  dirs: BuildPaths;
  elements: ElementRef[];
  elementsPath: string[];
  imageName: string;
  arch: string;
  /** `-x` count, added to the caller's own `DIB_DEBUG_TRACE` as disk-image-create does. */
  debugTrace: number;
  imageCache: string;
  /** The command line as given (`DIB_ARGS`). */
  args: string[];
  /** Extra values fixed by the pipeline (DIB_ROOT_LABEL, DIB_IMAGE_SIZE, …). */
  extra?: Record<string, string>;
  /** Kiln's shell libraries (`_LIB` in host phases); default: the engine's `lib/`. */
  libDir?: string;
}

/**
 * The environment every phase starts from, before environment.d is sourced:
 * the caller's environment plus the variables disk-image-create exports.
 */
export function baseBuildEnv(o: BaseEnvOptions): Record<string, string> {
  const env: Record<string, string> = { ...dibCompatDefaultsFor(o.elements, o.userEnv) };
  for (const [k, v] of Object.entries(o.userEnv)) if (v !== undefined) env[k] = v;
  const libDir = o.libDir ?? KILN_LIB_DIR;
  const names = o.elements.map((e) => e.name).join(" ");
  const yamlMap = Object.fromEntries(
    [...o.elements].sort((a, b) => (a.name < b.name ? -1 : 1)).map((e) => [e.name, e.path]),
  );
  Object.assign(env, {
    LC_ALL: "C",
    IMAGE_NAME: o.imageName,
    IMAGE_ELEMENT: names,
    IMAGE_ELEMENT_YAML: stringify(yamlMap, { lineWidth: 0 }),
    ELEMENTS_PATH: o.elementsPath.join(":"),
    ARCH: o.arch,
    FS_TYPE: env.FS_TYPE || "ext4",
    TMP_BUILD_DIR: o.dirs.buildDir,
    TMP_IMAGE_DIR: o.dirs.imageDir,
    TMP_HOOKS_PATH: o.dirs.hooksPath,
    TMP_MOUNT_PATH: o.dirs.mountPath,
    OUT_IMAGE_PATH: "",
    DIB_DEBUG_TRACE: String(callerTraceLevel(o.userEnv.DIB_DEBUG_TRACE) + o.debugTrace),
    DIB_IMAGE_CACHE: o.imageCache,
    // flock files of elements that share the cache (ubuntu, yum-minimal).
    DIB_LOCKFILES: env.DIB_LOCKFILES || path.join(o.imageCache, "lockfiles"),
    DIB_OFFLINE: env.DIB_OFFLINE ?? "",
    DIB_ARGS: o.args.join(" "),
    DIB_ENV: declareDibVars(o.userEnv, o.secretNames),
    // The runtime contract of DIB's elements: its shell libraries, the
    // Python its tools run with, and `die` as an exported function.
    _LIB: libDir,
    DIB_PYTHON_EXEC: resolvePythonExec(env, o.elementsPath),
    "BASH_FUNC_die%%": dieFunctionBody(libDir),
    ...o.extra,
  });
  env.PATH = withSbin(env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  // DIB creates it before any hook runs; elements redirect into it.
  fs.mkdirSync(env.DIB_LOCKFILES as string, { recursive: true });
  return env;
}

/**
 * Adjust the base environment for one phase: TARGET_ROOT in root.d and
 * cleanup.d; the exported `get_image_element_array`, Kiln's `sudo` stand-in
 * first and `$TMP_HOOKS_PATH/bin` last on PATH, and a DIB checkout's package
 * root on PYTHONPATH (`checkoutPythonPath`) in host phases; HOME=/root,
 * DIB's PATH, `_LIB` at the in-target copy and no TMPDIR/VIRTUAL_ENV in the
 * chroot.
 */
export function phaseEnv(
  base: Record<string, string>,
  phase: TPhase,
  elements: ElementRef[],
): Record<string, string> {
  const env = { ...base };
  if (phase === "root.d" || phase === "cleanup.d") env.TARGET_ROOT = base.TMP_MOUNT_PATH ?? "";
  else delete env.TARGET_ROOT;
  if (CHROOT_PHASES.has(phase)) {
    env.HOME = "/root";
    env.PATH = CHROOT_PATH;
    env._LIB = IN_TARGET_LIB;
    delete env.TMPDIR;
    delete env.VIRTUAL_ENV;
  } else {
    // Host hooks run as root; elements written for DIB still say `sudo`,
    // which a build host need not have.
    const shims = `${base._LIB ?? KILN_LIB_DIR}/shims`;
    env.PATH = `${shims}:${env.PATH}:${base.TMP_HOOKS_PATH}/bin`;
    const pythonPath = checkoutPythonPath((base.ELEMENTS_PATH ?? "").split(":"), base.PYTHONPATH);
    if (pythonPath !== undefined) env.PYTHONPATH = pythonPath;
    env["BASH_FUNC_get_image_element_array%%"] = elementArrayFunction(elements);
  }
  return env;
}

/**
 * The trace level the caller's environment asks for before any `-x`:
 * unset or empty is 0, as disk-image-create's `${DIB_DEBUG_TRACE:-0}`.
 * Anything but a whole number is refused (hooks compare it with `-gt`).
 */
export function callerTraceLevel(value: string | undefined): number {
  const text = (value ?? "").trim();
  if (text === "") return 0;
  if (!/^-?[0-9]+$/.test(text)) {
    throw new KilnError("USAGE", `DIB_DEBUG_TRACE must be a whole number, got '${value}'`);
  }
  return Number.parseInt(text, 10);
}

/** The body bash expects for an exported function in the environment. */
function elementArrayFunction(elements: ElementRef[]): string {
  const text = formatElementEnv(elements);
  const echo = text.split("\n").find((l) => l.trimStart().startsWith("echo ")) ?? "echo ''";
  return `() {  ${echo.trim()}\n}`;
}

/**
 * `declare -p` of every DIB_* variable, as DIB captures DIB_ENV at start,
 * except secrets: DIB_ENV is written into the image and next to it.
 */
export function declareDibVars(
  env: Record<string, string | undefined>,
  secretNames: readonly string[] = [],
): string {
  const secrets = new Set(secretNames);
  return Object.keys(env)
    .filter((k) => k.startsWith("DIB_") && env[k] !== undefined && !secrets.has(k))
    .sort()
    .map((k) => `declare -x ${k}="${(env[k] as string).replace(/(["\\$`])/g, "\\$1")}"`)
    .join("\n");
}

function withSbin(p: string): string {
  const parts = p.split(":");
  for (const dir of ["/sbin", "/usr/sbin", "/usr/local/sbin"])
    if (!parts.includes(dir)) parts.push(dir);
  return parts.join(":");
}
