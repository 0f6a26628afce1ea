import { silentLogger, type Logger } from "@kiln/contracts/logger";
import { loadPackageInstalls, type TPackageRule } from "./load-package-installs.ts";
import { PackageInstallsError } from "./package-errors.ts";
import { evaluateWhen } from "./parse-when.ts";

/** `[package, element]`: a package and the element that asked for it. */
export type TSquashedEntry = [pkg: string, element: string];

/**
 * The lists of one phase. Keys appear in the order DIB creates them (it
 * matters for byte-identical output): a plain rule creates `uninstall` before
 * `install`, an uninstall/build-only rule creates `install` first, and a phase
 * reached only by plain rules that were filtered out has no `install` at all.
 */
export interface TPhaseLists {
  uninstall?: TSquashedEntry[];
  install?: TSquashedEntry[];
}

/** Phase (hook directory name) → its lists, phases in the order first met. */
export type TSquashed = Record<string, TPhaseLists>;

/** An element whose package-installs files are read: only the winning copy. */
export interface SquashElement {
  /** Element name, recorded in every entry and used for `DIB_INSTALLTYPE_<name>`. */
  name: string;
  /** Directory of the winning copy of the element. */
  path: string;
}

export interface SquashPackageInstallsOptions {
  /** Elements in IMAGE_ELEMENT order, winning copies only (Kiln fix: DIB reads every copy). */
  elements: readonly SquashElement[];
  /** Build environment: ARCH, DIB_INSTALLTYPE_*, DIB_DEFAULT_INSTALLTYPE, DIB_PYTHON_VERSION, `when` variables. */
  env: Record<string, string | undefined>;
  /** Gets "Squashing install file" at info and every skip reason at debug. */
  logger?: Logger;
}

/**
 * Merge the package-installs files of `elements` into per-phase install and
 * uninstall lists, with DIB's algorithm (`squash-vs-dib.test.ts` compares with DIB's own) and Kiln's three
 * documented fixes (`false` flags are false, arch items are trimmed, winners
 * only).
 */
export function squashPackageInstalls(options: SquashPackageInstallsOptions): TSquashed {
  const logger = options.logger ?? silentLogger;
  const data = new PhaseData();
  for (const element of options.elements) {
    for (const parsed of loadPackageInstalls({ elementDir: element.path, logger })) {
      logger.info(`Squashing install file: ${parsed.file}`);
      for (const { name: pkg, rules } of parsed.packages) {
        for (const rule of rules) {
          const ctx = { file: parsed.file, pkg, element: element.name };
          const kinds = targetLists(data, rule, pkg);
          if (!kinds) {
            logger.debug(`${element.name}/${pkg}: already installed for good, no uninstall`);
            continue;
          }
          const skip = skipReason(rule, ctx, options.env);
          if (skip) {
            logger.debug(`${element.name}/${pkg}: skipped due to ${skip}`);
            continue;
          }
          for (const kind of kinds) data.list(rule.phase, kind).push([pkg, element.name]);
        }
      }
    }
  }
  return data.toJSON();
}

type ListKind = "install" | "uninstall";

/**
 * Which lists a rule appends to, or undefined when it is dropped. Runs before
 * the filters, as in DIB: a plain rule cancels earlier uninstalls of the
 * package even when its own arch/when/… filters then skip it.
 */
function targetLists(data: PhaseData, rule: TPackageRule, pkg: string): ListKind[] | undefined {
  if (!rule.uninstall && !rule.buildOnly) {
    data.set(
      rule.phase,
      "uninstall",
      data.list(rule.phase, "uninstall").filter(([p]) => p !== pkg),
    );
    return ["install"];
  }
  // Read `install` first: DIB's defaultdict creates the keys in this order.
  const installed = data.list(rule.phase, "install").some(([p]) => p === pkg);
  const notUninstalled = data.list(rule.phase, "uninstall").every(([p]) => p !== pkg);
  if (installed && notUninstalled) {
    // Someone installs it for good: never remove it; build-only adds another install.
    return rule.buildOnly ? ["install"] : undefined;
  }
  return rule.buildOnly ? ["install", "uninstall"] : ["uninstall"];
}

/** DIB's filters in DIB's order; the first that fails names the reason. */
function skipReason(
  rule: TPackageRule,
  ctx: { file: string; pkg: string; element: string },
  env: Record<string, string | undefined>,
): string | undefined {
  if (rule.installtype !== undefined) {
    const elementType =
      env[`DIB_INSTALLTYPE_${ctx.element.replaceAll("-", "_")}`] ??
      env.DIB_DEFAULT_INSTALLTYPE ??
      "source";
    if (rule.installtype !== elementType) return "installtype";
  }
  const archList = rule.arch ?? rule.notArch;
  if (archList) {
    const arch = env.ARCH;
    if (arch === undefined) {
      throw new PackageInstallsError(
        ctx.file,
        ctx.pkg,
        "ARCH is not set (needed by its arch rule)",
      );
    }
    if (archList.includes(arch) !== (rule.arch !== undefined)) return "arch";
  }
  if (
    rule.dibPythonVersion !== undefined &&
    rule.dibPythonVersion !== (env.DIB_PYTHON_VERSION ?? "")
  ) {
    return "python version";
  }
  if (rule.when) {
    const result = evaluateWhen(rule.when, env);
    if ("unset" in result) {
      throw new PackageInstallsError(
        ctx.file,
        ctx.pkg,
        `'when' variable ${result.unset} is not set`,
      );
    }
    if (!result.ok) return "when";
  }
  return undefined;
}

/** DIB's `defaultdict(lambda: defaultdict(list))`: reading a list creates it. */
class PhaseData {
  private readonly phases = new Map<string, Map<ListKind, TSquashedEntry[]>>();

  list(phase: string, kind: ListKind): TSquashedEntry[] {
    const lists = this.lists(phase);
    let list = lists.get(kind);
    if (!list) {
      list = [];
      lists.set(kind, list);
    }
    return list;
  }

  set(phase: string, kind: ListKind, value: TSquashedEntry[]): void {
    this.lists(phase).set(kind, value);
  }

  private lists(phase: string): Map<ListKind, TSquashedEntry[]> {
    let lists = this.phases.get(phase);
    if (!lists) {
      lists = new Map();
      this.phases.set(phase, lists);
    }
    return lists;
  }

  toJSON(): TSquashed {
    const out: TSquashed = {};
    for (const [phase, lists] of this.phases) out[phase] = Object.fromEntries(lists);
    return out;
  }
}
