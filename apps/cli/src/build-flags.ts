/**
 * disk-image-create's flags, defined once for `kiln build` and `kiln remote
 * build`: each flag's commander text, help, and where its value goes in the
 * TBuildRequest, so the two commands cannot drift apart. Flags that only mean
 * something on the machine that runs the build are marked `hostOnly`: `kiln
 * build` takes them, `kiln remote build` declares them only to refuse them with
 * the reason, so nobody thinks they took effect.
 */
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { ZBuildRequest, type TBuildRequest } from "@kiln/contracts/build-request";

/** The flags' values as commander parses them (keyed by its attribute names). */
export interface BuildFlagValues {
  output?: string;
  types?: string;
  arch?: string;
  trace: number;
  skipBase?: boolean;
  packages: string[];
  imageSize?: string;
  imageCache?: string;
  /** False with `--no-tmpfs`. */
  tmpfs: boolean;
  minTmpfs?: string;
  checksum?: boolean;
  uncompressed?: boolean;
  qemuImgOptions?: string;
  mkfsOptions?: string;
  keepOnFailure?: boolean;
  dryRun?: boolean;
  logFormat?: string;
}

type FlagKey = keyof BuildFlagValues;
type RequestField = keyof TBuildRequest;

/** What a flag's `toField` may use besides its own value. */
interface FieldContext {
  /** How errors name the flag, e.g. `-o/--output`. */
  label: string;
  /** The architecture when `-a` is not given ($ARCH or this host's). */
  defaultArch: string;
}

// parse and toField are methods so that one list can hold flags of every key.
interface BuildFlag<K extends FlagKey = FlagKey> {
  key: K;
  /** Commander's flag text, e.g. `-o, --output <name>`. */
  flags: string;
  /** `kiln build`'s help line (and `kiln remote build`'s, unless host-only). */
  help: string;
  /** Commander's default, shown in help. */
  default?: BuildFlagValues[K];
  /** Commander's argument parser, for counting and repeatable flags. */
  parse?(value: string, previous: BuildFlagValues[K]): BuildFlagValues[K];
  /** The request field the flag sets; zod's complaints about it are reported under the flag. */
  field?: RequestField;
  /**
   * The field's value before validation (default: the flag's value as is);
   * throws a USAGE KilnError naming `ctx.label` on a value zod cannot judge.
   */
  toField?(value: BuildFlagValues[K], ctx: FieldContext): unknown;
  /** Only meaningful on the build host: why remote builds refuse it, and its help there. */
  hostOnly?: { why: string; remoteHelp: string };
}

/** Gives each entry of the list its own key's value type. */
function flag<K extends FlagKey>(definition: BuildFlag<K>): BuildFlag {
  return definition as BuildFlag;
}

/** `--image-size` takes fractions of a GB; `--min-tmpfs` whole GBs (DIB compares integers). */
function positive(kind: "number" | "integer") {
  return (value: string | undefined, { label }: FieldContext): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (kind === "integer" && !Number.isInteger(n)))
      throw new KilnError("USAGE", `${label}: '${value}' is not a positive ${kind}`);
    return n;
  };
}

/** In `kiln build --help` order. */
const BUILD_FLAGS: readonly BuildFlag[] = [
  flag({
    key: "output",
    flags: "-o, --output <name>",
    help: "image name",
    default: "image",
    field: "imageName",
  }),
  flag({
    key: "types",
    flags: "-t, --types <list>",
    help: "output types, comma-separated",
    default: "qcow2",
    field: "types",
    toField: (v) => v?.split(",").filter(Boolean),
  }),
  flag({
    key: "arch",
    flags: "-a, --arch <arch>",
    help: "target architecture (default: $ARCH or this host's)",
    field: "arch",
    toField: (v, { defaultArch }) => v ?? defaultArch,
  }),
  flag({
    key: "trace",
    flags: "-x, --trace",
    help: "increase DIB_DEBUG_TRACE (repeatable)",
    parse: (_v, n) => n + 1,
    default: 0,
    field: "debugTrace",
  }),
  flag({
    key: "skipBase",
    flags: "-n, --skip-base",
    help: "do not add the base element",
    field: "skipBase",
  }),
  flag({
    key: "packages",
    flags: "-p, --packages <list>",
    help: "extra packages, comma-separated (repeatable)",
    parse: (v, previous) => [...previous, ...v.split(",").filter(Boolean)],
    default: [],
    field: "packages",
  }),
  flag({
    key: "imageSize",
    flags: "--image-size <GB>",
    help: "image size in GB",
    field: "imageSizeGb",
    toField: positive("number"),
  }),
  flag({
    key: "imageCache",
    flags: "--image-cache <dir>",
    help: "cache directory",
    field: "imageCache",
    hostOnly: {
      why: "the agent uses its own image cache",
      remoteHelp: "not supported remotely (the agent's cache is used)",
    },
  }),
  flag({
    key: "tmpfs",
    flags: "--no-tmpfs",
    help: "do not build in tmpfs",
    field: "noTmpfs",
    toField: (v) => !v,
  }),
  flag({
    key: "minTmpfs",
    flags: "--min-tmpfs <GB>",
    help: "RAM in GB needed to build in tmpfs",
    default: "2",
    field: "minTmpfsGb",
    toField: positive("integer"),
  }),
  flag({
    key: "checksum",
    flags: "--checksum",
    help: "write .md5 and .sha256 files",
    field: "checksum",
  }),
  flag({
    key: "uncompressed",
    flags: "-u, --uncompressed",
    help: "do not compress qcow2",
    field: "uncompressed",
  }),
  flag({
    key: "qemuImgOptions",
    flags: "--qemu-img-options <opts>",
    help: "options for qemu-img convert -o",
    field: "qemuImgOptions",
  }),
  flag({
    key: "mkfsOptions",
    flags: "--mkfs-options <opts>",
    help: "options for mkfs of the root filesystem",
    field: "mkfsOptions",
  }),
  flag({
    key: "keepOnFailure",
    flags: "--keep-on-failure",
    help: "keep the build directory when the build fails",
    field: "keepOnFailure",
    hostOnly: {
      why: "the agent removes a build's directories once the server has stored it; run kiln build --keep-on-failure locally to inspect one",
      remoteHelp: "not supported remotely",
    },
  }),
  flag({
    key: "dryRun",
    flags: "--dry-run",
    help: "resolve and print the plan; run nothing",
    hostOnly: {
      why: "the server plans nothing without building; run kiln build --dry-run",
      remoteHelp: "not supported remotely",
    },
  }),
  flag({
    key: "logFormat",
    flags: "--log-format <format>",
    help: "text (default) or json: one event per line",
    default: "text",
    hostOnly: {
      why: "use --json for JSON lines",
      remoteHelp: "not supported remotely (use --json)",
    },
  }),
];

/** `-o, --output <name>` → `-o/--output`: how messages name a flag. */
function labelOf(f: BuildFlag): string {
  return f.flags
    .split(/[ ,]+/)
    .filter((word) => word.startsWith("-"))
    .join("/");
}

/**
 * Declares the flags on `cmd` in one fixed order. `"local"` (`kiln build`):
 * every flag. `"remote"`: only those the build host does not decide; add
 * the host-only ones with {@link addRefusedHostFlags} so they can be refused.
 */
export function addBuildFlags(cmd: Command, where: "local" | "remote"): Command {
  for (const f of BUILD_FLAGS) {
    if (where === "remote" && f.hostOnly) continue;
    if (f.parse) cmd.option(f.flags, f.help, f.parse.bind(f), f.default);
    else cmd.option(f.flags, f.help, f.default as string | boolean | string[] | undefined);
  }
  return cmd;
}

/** Declares the host-only flags with their remote help and no defaults, for refusal. */
export function addRefusedHostFlags(cmd: Command): Command {
  for (const f of BUILD_FLAGS) if (f.hostOnly) cmd.option(f.flags, f.hostOnly.remoteHelp);
  return cmd;
}

/** Throws `--flag: not supported by <command> (why)` for the first host-only flag given. */
export function refuseHostFlags(values: Partial<BuildFlagValues>, command: string): void {
  for (const f of BUILD_FLAGS) {
    const value = values[f.key];
    if (f.hostOnly && value !== undefined && value !== false)
      throw new KilnError(
        "USAGE",
        `${labelOf(f)}: not supported by ${command} (${f.hostOnly.why})`,
      );
  }
}

/** Request field → the flag that sets it, for zod's messages. */
const LABEL_OF_FIELD: Record<string, string> = {
  elements: "ELEMENT",
  ...Object.fromEntries(BUILD_FLAGS.flatMap((f) => (f.field ? [[f.field, labelOf(f)]] : []))),
};

/**
 * The flags' values as a validated build request; a bad value throws one
 * USAGE line naming the flag (e.g. `-t/--types: Invalid option: …`).
 */
export function buildRequestFromFlags(
  elements: string[],
  values: BuildFlagValues,
  defaultArch: string,
): TBuildRequest {
  const input: Record<string, unknown> = { elements };
  for (const f of BUILD_FLAGS) {
    if (!f.field) continue;
    const value = values[f.key];
    input[f.field] = f.toField ? f.toField(value, { label: labelOf(f), defaultArch }) : value;
  }
  const parsed = ZBuildRequest.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "request");
    throw new KilnError("USAGE", `${LABEL_OF_FIELD[field] ?? field}: ${issue?.message}`);
  }
  return parsed.data;
}
