/**
 * Runs the real diskimage-builder installed on the host, so differential tests
 * compare Kiln against DIB's behaviour rather than against our reading of it.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** The DIB package this harness targets (Debian's python3-diskimage-builder). */
export const DIB_ROOT = "/usr/lib/python3/dist-packages/diskimage_builder";
/** DIB's built-in element directory. */
export const DIB_ELEMENTS = path.join(DIB_ROOT, "elements");
/** The interpreter that can import diskimage_builder (not the pyenv python3 on PATH). */
export const DIB_PYTHON = "/usr/bin/python3";

const LIB = path.join(DIB_ROOT, "lib");
const HERE = path.dirname(fileURLToPath(import.meta.url));
const BATCH_DRIVER = path.join(HERE, "dib-expand-batch.py");

/** The phases DIB runs with dib-run-parts, in build order (spec §2.1). */
export const DIB_PHASES = [
  "root.d",
  "extra-data.d",
  "pre-install.d",
  "install.d",
  "post-install.d",
  "post-root.d",
  "block-device.d",
  "pre-finalise.d",
  "finalise.d",
  "cleanup.d",
] as const;

let unavailable: string | undefined | null = null;

/** Why DIB cannot be run here, or undefined when it can. */
export function dibUnavailableReason(): string | undefined {
  if (unavailable !== null) return unavailable;
  unavailable = undefined;
  for (const file of [
    DIB_PYTHON,
    path.join(LIB, "element-info.py"),
    path.join(LIB, "dib-run-parts"),
  ]) {
    if (!fs.existsSync(file)) unavailable = `DIB not installed: ${file} is missing`;
  }
  if (!unavailable) {
    const probe = spawnSync(DIB_PYTHON, ["-c", "import diskimage_builder.element_dependencies"], {
      encoding: "utf8",
    });
    if (probe.status !== 0) {
      unavailable = `${DIB_PYTHON} cannot import diskimage_builder: ${probe.stderr.trim()}`;
    }
  }
  return unavailable;
}

let reported = false;

/** For `it.skipIf(!dibAvailable())`: true when DIB runs; prints the reason once otherwise. */
export function dibAvailable(): boolean {
  const reason = dibUnavailableReason();
  if (reason && !reported) {
    reported = true;
    console.warn(`skipping differential tests against DIB: ${reason}`);
  }
  return reason === undefined;
}

export interface DibError {
  /** Exception class name, e.g. `MissingElementException`. */
  error: string;
  /** The exception's message (may be empty, and may end in a space, as DIB's does). */
  message: string;
  /** Messages DIB logged at ERROR before failing, sorted (their order is set order). */
  log: string[];
}

export interface DibElementInfo {
  ok: boolean;
  exitCode: number;
  /** Expanded element names (empty on failure). */
  names: Set<string>;
  /** Name → realpath, from `IMAGE_ELEMENT_YAML`. */
  paths: Map<string, string>;
  /** Present when DIB failed. */
  failure?: DibError;
  stdout: string;
  stderr: string;
  stderrLastLine: string;
}

const LOG_PREFIX = /^ERROR diskimage_builder\.element_dependencies \[-\] (.*)$/;
const EXCEPTION_LINE = /^(?:[\w.]+\.)?(\w+)(?:: (.*))?$/;

function lastLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines[lines.length - 1] ?? "";
}

/** Parses element-info's traceback: the final `module.Class: message` line and ERROR logs. */
export function parseDibFailure(stderr: string): DibError {
  const last = lastLine(stderr);
  const match = EXCEPTION_LINE.exec(last);
  const log = stderr
    .split("\n")
    .map((l) => LOG_PREFIX.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .sort();
  return { error: match?.[1] ?? "unknown", message: match ? (match[2] ?? "") : last, log };
}

/**
 * `element-info.py --env ELEMENTS…` with `ELEMENTS_PATH=elementsPath`, exactly as
 * disk-image-create runs it. `hashSeed` pins PYTHONHASHSEED (DIB's set order).
 */
export function dibElementInfo(
  elements: string[],
  elementsPath: string,
  opts: { extraEnv?: Record<string, string>; hashSeed?: number } = {},
): DibElementInfo {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...opts.extraEnv,
    ELEMENTS_PATH: elementsPath,
  };
  if (opts.hashSeed !== undefined) env.PYTHONHASHSEED = String(opts.hashSeed);
  const run = spawnSync(DIB_PYTHON, [path.join(LIB, "element-info.py"), "--env", ...elements], {
    encoding: "utf8",
    env,
  });
  const exitCode = run.status ?? -1;
  const result: DibElementInfo = {
    ok: exitCode === 0,
    exitCode,
    names: new Set(),
    paths: new Map(),
    stdout: run.stdout,
    stderr: run.stderr,
    stderrLastLine: lastLine(run.stderr),
  };
  if (!result.ok) {
    result.failure = parseDibFailure(run.stderr);
    return result;
  }
  const names = /^export IMAGE_ELEMENT='([^']*)'$/m.exec(run.stdout)?.[1] ?? "";
  for (const name of names.split(" ").filter(Boolean)) result.names.add(name);
  const yamlText = /^export IMAGE_ELEMENT_YAML='([^']*)'$/m.exec(run.stdout)?.[1] ?? "{}";
  const parsed = (parseYaml(yamlText) ?? {}) as Record<string, string>;
  for (const [name, p] of Object.entries(parsed)) result.paths.set(name, p);
  return result;
}

export interface RunOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string | undefined>): RunOutput {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } });
  // A spawn failure (r.error) or a signal leaves no status: say which.
  const why = r.error ? `${r.error.message}\n` : r.signal ? `killed by ${r.signal}\n` : "";
  return { exitCode: r.status ?? -1, stdout: r.stdout ?? "", stderr: why + (r.stderr ?? "") };
}

/** `dib-run-parts --list DIR` under LC_ALL=C (as during a build). */
export function dibRunPartsList(dir: string): RunOutput {
  return run(path.join(LIB, "dib-run-parts"), ["--list", dir], { LC_ALL: "C", LANG: "C" });
}

/**
 * The order in which dib-run-parts sources `<hooksRoot>/environment.d`. The
 * files are replaced by empty stand-ins (same names, same file/symlink/dir
 * kinds) in a scratch copy, so the order is DIB's but no element code runs.
 */
export function dibEnvironmentOrder(envDir: string, scratch: string): string[] {
  // No directory: dib-run-parts sources nothing. A directory without one
  // sourceable name is a DIB quirk: its find|grep pipeline fails under
  // pipefail and dib-run-parts exits 1 without a word, so nothing is sourced
  // (and DIB's phase would fail); report the empty order rather than throw.
  if (!fs.existsSync(envDir)) return [];
  const sourceable = fs.readdirSync(envDir).filter((n) => /^[0-9A-Za-z_.-]+$/.test(n));
  if (sourceable.length === 0) return [];
  const probeRoot = fs.mkdtempSync(path.join(scratch, "env-probe-"));
  const probeEnv = path.join(probeRoot, "environment.d");
  fs.mkdirSync(probeEnv);
  const stub = path.join(probeRoot, "stub");
  fs.writeFileSync(stub, ":\n");
  if (fs.existsSync(envDir)) {
    for (const entry of fs.readdirSync(envDir, { withFileTypes: true })) {
      const dest = path.join(probeEnv, entry.name);
      const src = path.join(envDir, entry.name);
      if (entry.isSymbolicLink()) {
        const st = fs.statSync(src, { throwIfNoEntry: false });
        if (st?.isDirectory()) fs.mkdirSync(dest);
        else fs.symlinkSync(st?.isFile() ? stub : path.join(probeRoot, "missing"), dest);
      } else if (entry.isDirectory()) {
        fs.mkdirSync(dest);
      } else {
        fs.writeFileSync(dest, ":\n");
      }
    }
  }
  const phase = path.join(probeRoot, "probe.d");
  fs.mkdirSync(phase);
  const out = run(path.join(LIB, "dib-run-parts"), [phase], { LC_ALL: "C", DIB_DEBUG_TRACE: "0" });
  fs.rmSync(probeRoot, { recursive: true, force: true });
  if (out.exitCode !== 0) throw new Error(`dib-run-parts env probe failed: ${out.stderr}`);
  const prefix = "dib-run-parts Sourcing environment file ";
  return out.stderr
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .map((l) => path.basename(l.slice(prefix.length)));
}

export interface DibHooksPlan {
  ok: boolean;
  /** Failure text: element-info's exception message or generate_hooks' last line. */
  message?: string;
  /** Phase dir → hook names in dib-run-parts order (only phases DIB's tree has). */
  phases: Map<string, string[]>;
  /** environment.d basenames in sourcing order. */
  environment: string[];
  /** Where the hooks tree was merged (inside `scratch`). */
  hooksPath: string;
}

/**
 * DIB's own hook merge (`generate_hooks` from lib/common-functions, fed by
 * element-info --env) into a fresh `TMP_HOOKS_PATH` under `scratch`, then
 * `dib-run-parts --list` for each phase.
 */
export function dibHooksPlan(
  elements: string[],
  elementsPath: string,
  scratch: string,
): DibHooksPlan {
  const hooksPath = fs.mkdtempSync(path.join(scratch, "hooks-"));
  fs.rmdirSync(hooksPath); // generate_hooks creates it, as in a build
  const script = [
    // d-i-c runs under `set -eE` (no -u: generate_hooks reads the unset $_ELEMENT).
    "set -eE",
    '_LIB="$1"; shift; export TMP_HOOKS_PATH="$1"; shift',
    'source "$_LIB/common-functions"',
    'info=$("$DIB_PYTHON_EXEC" "$_LIB/element-info.py" --env "$@")',
    'eval "$info"',
    "generate_hooks",
  ].join("\n");
  const out = run("/bin/bash", ["-c", script, "dib-hooks", LIB, hooksPath, ...elements], {
    ELEMENTS_PATH: elementsPath,
    DIB_PYTHON_EXEC: DIB_PYTHON,
    LC_ALL: "C",
  });
  const plan: DibHooksPlan = {
    ok: out.exitCode === 0,
    phases: new Map(),
    environment: [],
    hooksPath,
  };
  if (!plan.ok) {
    const failure = parseDibFailure(out.stderr);
    plan.message = out.stderr.includes("Traceback")
      ? failure.message
      : lastLine(out.stdout + "\n" + out.stderr);
    return plan;
  }
  plan.phases = listPhases(hooksPath);
  plan.environment = dibEnvironmentOrder(path.join(hooksPath, "environment.d"), scratch);
  return plan;
}

/** `dib-run-parts --list` of every phase directory the merged tree has. */
function listPhases(hooksPath: string): Map<string, string[]> {
  const phases = new Map<string, string[]>();
  for (const phase of DIB_PHASES) {
    const dir = path.join(hooksPath, phase);
    if (!fs.existsSync(dir)) continue;
    const listed = dibRunPartsList(dir);
    if (listed.exitCode !== 0) throw new Error(`dib-run-parts --list ${dir}: ${listed.stderr}`);
    phases.set(
      phase,
      listed.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => path.basename(l)),
    );
  }
  return phases;
}

export interface DibBuildPlan extends DibHooksPlan {
  /** The list d-i-c handed to element-info (its `Building elements:` line). */
  request: string[];
  /** Expanded element name → realpath (element-info's `IMAGE_ELEMENT_YAML`). */
  elements: Map<string, string>;
  /** environment.d order from extra-data.d on, once d-i-c has added `11-dib-install-type.bash`. */
  environmentAfterRoot: string[];
}

/**
 * What disk-image-create would run for `args` (elements as on its command
 * line), built with DIB's own shell code: img-defaults (ELEMENTS_PATH gets DIB's
 * elements appended, ARCH), `arg_to_elements` (base, the `vm` block-device
 * default), `generate_hooks`, the `11-dib-install-type.bash` file of step 10,
 * and, when the tree has it, install-types' own extra-data.d hook (it links
 * `<prefix>-<type>-install/` hooks into install.d before install.d is listed).
 * Nothing else of the build runs. `environment` is the root.d order.
 */
export function dibBuildPlan(
  args: string[],
  opts: {
    elementsPath: string;
    scratch: string;
    arch: string;
    skipBase?: boolean;
    /** Extra build environment (DIB_RELEASE, DIB_INSTALLTYPE_*, DIB_DEFAULT_INSTALLTYPE…). */
    env?: Record<string, string>;
  },
): DibBuildPlan {
  const hooksPath = fs.mkdtempSync(path.join(opts.scratch, "dib-plan-"));
  fs.rmdirSync(hooksPath);
  const rootEnv = `${hooksPath}.root-env`; // environment.d as root.d sees it
  const installTypes = "$TMP_HOOKS_PATH/extra-data.d/99-enable-install-types";
  const script = [
    "set -eE",
    "export LC_ALL=C",
    '_LIB="$1"; shift; export TMP_HOOKS_PATH="$1"; shift; ROOT_ENV="$1"; shift',
    `_BASE_ELEMENT_DIR=${JSON.stringify(DIB_ELEMENTS)}; IS_RAMDISK=0; IMAGE_ELEMENT=`,
    'DIB_DEFAULT_INSTALLTYPE=${DIB_DEFAULT_INSTALLTYPE:-"source"}',
    'source "$_LIB/img-defaults"',
    'source "$_LIB/common-functions"',
    'arg_to_elements "$@"',
    'printf "KILN-YAML-START\\n%s\\nKILN-YAML-END\\n" "$IMAGE_ELEMENT_YAML"',
    "generate_hooks >/dev/null",
    'mkdir -p "$ROOT_ENV"',
    'if [ -d "$TMP_HOOKS_PATH/environment.d" ]; then cp -a "$TMP_HOOKS_PATH/environment.d/." "$ROOT_ENV"; fi',
    'mkdir -p "$TMP_HOOKS_PATH/environment.d"',
    'echo "export DIB_DEFAULT_INSTALLTYPE=\\${DIB_DEFAULT_INSTALLTYPE:-\\"${DIB_DEFAULT_INSTALLTYPE}\\"}" >"$TMP_HOOKS_PATH/environment.d/11-dib-install-type.bash"',
    `if [ -x "${installTypes}" ]; then export DIB_DEFAULT_INSTALLTYPE; DIB_DEBUG_TRACE=0 "${installTypes}" >/dev/null; fi`,
  ].join("\n");
  const out = run("/bin/bash", ["-c", script, "dib-plan", LIB, hooksPath, rootEnv, ...args], {
    ...opts.env,
    ELEMENTS_PATH: opts.elementsPath,
    DIB_PYTHON_EXEC: DIB_PYTHON,
    ARCH: opts.arch,
    SKIP_BASE: opts.skipBase ? "1" : "",
  });
  const building = /^Building elements: (.*)$/m.exec(out.stdout)?.[1] ?? "";
  const yamlText = /KILN-YAML-START\n([\s\S]*?)\nKILN-YAML-END/.exec(out.stdout)?.[1] ?? "{}";
  const plan: DibBuildPlan = {
    ok: out.exitCode === 0,
    phases: new Map(),
    environment: [],
    environmentAfterRoot: [],
    hooksPath,
    request: building.split(" ").filter(Boolean),
    elements: new Map(Object.entries((parseYaml(yamlText) ?? {}) as Record<string, string>)),
  };
  if (!plan.ok) {
    plan.message = out.stderr.includes("Traceback")
      ? parseDibFailure(out.stderr).message
      : lastLine(out.stdout + "\n" + out.stderr);
    return plan;
  }
  plan.phases = listPhases(hooksPath);
  plan.environment = dibEnvironmentOrder(rootEnv, opts.scratch);
  plan.environmentAfterRoot = dibEnvironmentOrder(
    path.join(hooksPath, "environment.d"),
    opts.scratch,
  );
  return plan;
}

/** One request for the batch driver (test/support/dib-expand-batch.py). */
export interface BatchCase {
  id: string;
  /** ELEMENTS_PATH value. */
  path: string;
  elements: string[];
  /** Cap on dependency-order permutations tried (default 400). */
  maxTrials?: number;
}

/** One result DIB can give for a request. */
export type DibOutcome =
  { ok: true; elements: Record<string, string> } | ({ ok: false } & DibError);

export interface BatchResult {
  id: string;
  /** Every distinct outcome seen; more than one = DIB is order-dependent here. */
  outcomes: DibOutcome[];
  trials: number;
  /** True when every dependency order was tried, so `outcomes` is complete. */
  exhaustive: boolean;
}

/**
 * Evaluates many expansions in one Python process with DIB's own
 * `_find_all_elements` and `_expand_element_dependencies`, trying many
 * set-iteration orders per case (see the driver's docstring).
 */
export function dibExpandBatch(
  cases: BatchCase[],
  opts: { hashSeed?: number; cwd?: string } = {},
): BatchResult[] {
  const r = spawnSync(DIB_PYTHON, [BATCH_DRIVER], {
    cwd: opts.cwd,
    input: JSON.stringify({ cases }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONHASHSEED: String(opts.hashSeed ?? 0) },
  });
  if (r.status !== 0) throw new Error(`dib-expand-batch.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: BatchResult[] }).results;
}
