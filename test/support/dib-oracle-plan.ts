/**
 * DIB's own hook merge and build plan, run with DIB's shell code and tools:
 * what a differential test compares `kiln build --dry-run` against.
 */
import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  DIB_ELEMENTS,
  DIB_LIB,
  DIB_PHASES,
  DIB_PYTHON,
  dibRunPartsList,
  lastLine,
  parseDibFailure,
  runDibTool,
} from "./dib-oracle.ts";

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
  const out = runDibTool(path.join(DIB_LIB, "dib-run-parts"), [phase], {
    LC_ALL: "C",
    DIB_DEBUG_TRACE: "0",
  });
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
  const out = runDibTool(
    "/bin/bash",
    ["-c", script, "dib-hooks", DIB_LIB, hooksPath, ...elements],
    {
      ELEMENTS_PATH: elementsPath,
      DIB_PYTHON_EXEC: DIB_PYTHON,
      LC_ALL: "C",
    },
  );
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
  const out = runDibTool(
    "/bin/bash",
    ["-c", script, "dib-plan", DIB_LIB, hooksPath, rootEnv, ...args],
    {
      ...opts.env,
      ELEMENTS_PATH: opts.elementsPath,
      DIB_PYTHON_EXEC: DIB_PYTHON,
      ARCH: opts.arch,
      SKIP_BASE: opts.skipBase ? "1" : "",
    },
  );
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
