/**
 * `kiln remote build`'s flags: `kiln build`'s (disk-image-create's) mapped
 * onto the server's ad-hoc build request (`builds.create` with
 * `{ teamId, request: ZBuildRequest, env, agentLabels }`). Flags that only
 * make sense on the machine that runs the build are accepted by the parser
 * and refused with a reason, so nobody thinks they took effect.
 */
import type { Command } from "commander";
import { KilnError } from "@kiln/engine/errors";
import { ZBuildRequest, type TBuildRequest } from "@kiln/engine/plan/build-request";
import { parseLabels } from "../commands/agent.ts";

export interface RemoteBuildFlags {
  output?: string;
  types?: string;
  arch?: string;
  trace: number;
  skipBase?: boolean;
  packages: string[];
  imageSize?: string;
  tmpfs: boolean;
  minTmpfs?: string;
  checksum?: boolean;
  uncompressed?: boolean;
  qemuImgOptions?: string;
  mkfsOptions?: string;
  /** `--labels k=v,…`: agent labels the build needs. */
  labels?: string;
  /** `-e NAME=VALUE` (repeatable): the build's environment. */
  env: string[];
  // Accepted only to be refused with a reason:
  imageCache?: string;
  keepOnFailure?: boolean;
  dryRun?: boolean;
  logFormat?: string;
}

/** Why a `kiln build` flag has no remote meaning. */
const REFUSED: [keyof RemoteBuildFlags, string, string][] = [
  ["imageCache", "--image-cache", "the agent uses its own image cache"],
  [
    "keepOnFailure",
    "--keep-on-failure",
    "the agent removes a build's directories once the server has stored it; run kiln build --keep-on-failure locally to inspect one",
  ],
  ["dryRun", "--dry-run", "the server plans nothing without building; run kiln build --dry-run"],
  ["logFormat", "--log-format", "use --json for JSON lines"],
];

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").filter(Boolean)];
}

/** Adds `kiln build`'s flags (and the remote-only ones) to `cmd`. */
export function addRemoteBuildFlags(cmd: Command): Command {
  return cmd
    .option("-o, --output <name>", "image name", "image")
    .option("-t, --types <list>", "output types, comma-separated", "qcow2")
    .option("-a, --arch <arch>", "target architecture (default: $ARCH or this host's)")
    .option("-x, --trace", "increase DIB_DEBUG_TRACE (repeatable)", (_v, n: number) => n + 1, 0)
    .option("-n, --skip-base", "do not add the base element")
    .option("-p, --packages <list>", "extra packages, comma-separated (repeatable)", collect, [])
    .option("--image-size <GB>", "image size in GB")
    .option("--no-tmpfs", "do not build in tmpfs")
    .option("--min-tmpfs <GB>", "RAM in GB needed to build in tmpfs")
    .option("--checksum", "write .md5 and .sha256 files")
    .option("-u, --uncompressed", "do not compress qcow2")
    .option("--qemu-img-options <opts>", "options for qemu-img convert -o")
    .option("--mkfs-options <opts>", "options for mkfs of the root filesystem")
    .option("--labels <k=v,...>", "agent labels the build needs")
    .option(
      "-e, --env <NAME=VALUE>",
      "build environment variable (repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option("--image-cache <dir>", "not supported remotely (the agent's cache is used)")
    .option("--keep-on-failure", "not supported remotely")
    .option("--dry-run", "not supported remotely")
    .option("--log-format <format>", "not supported remotely (use --json)");
}

export interface TRemoteBuildInput {
  request: TBuildRequest;
  env: { name: string; value: string; secret: false }[];
  agentLabels: Record<string, string>;
}

/** Flags → the ad-hoc request; bad or unsupported flags throw one USAGE line naming the flag. */
export function remoteBuildInput(
  elements: string[],
  flags: RemoteBuildFlags,
  defaultArch: string,
): TRemoteBuildInput {
  for (const [key, flag, why] of REFUSED) {
    if (flags[key] !== undefined && flags[key] !== false)
      throw new KilnError("USAGE", `${flag}: not supported by kiln remote build (${why})`);
  }
  const positive = (flag: string, v: string | undefined, integer = false) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new KilnError(
        "USAGE",
        `${flag}: '${v}' is not a positive ${integer ? "integer" : "number"}`,
      );
    return n;
  };
  const parsed = ZBuildRequest.safeParse({
    elements,
    imageName: flags.output,
    types: flags.types?.split(",").filter(Boolean),
    arch: flags.arch ?? defaultArch,
    debugTrace: flags.trace,
    skipBase: Boolean(flags.skipBase),
    packages: flags.packages,
    imageSizeGb: positive("--image-size", flags.imageSize),
    noTmpfs: !flags.tmpfs,
    minTmpfsGb: positive("--min-tmpfs", flags.minTmpfs, true),
    checksum: Boolean(flags.checksum),
    uncompressed: Boolean(flags.uncompressed),
    qemuImgOptions: flags.qemuImgOptions,
    mkfsOptions: flags.mkfsOptions,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "request");
    throw new KilnError("USAGE", `${FLAG_FOR_FIELD[field] ?? field}: ${issue?.message}`);
  }
  const env = flags.env.map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new KilnError("USAGE", `--env: "${pair}" is not NAME=VALUE`);
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), secret: false as const };
  });
  const seen = new Set<string>();
  for (const e of env) {
    if (seen.has(e.name)) throw new KilnError("USAGE", `--env: ${e.name} is given twice`);
    seen.add(e.name);
  }
  return { request: parsed.data, env, agentLabels: parseLabels(flags.labels) };
}

const FLAG_FOR_FIELD: Record<string, string> = {
  elements: "ELEMENT",
  imageName: "-o/--output",
  types: "-t/--types",
  arch: "-a/--arch",
  packages: "-p/--packages",
  qemuImgOptions: "--qemu-img-options",
  mkfsOptions: "--mkfs-options",
};
