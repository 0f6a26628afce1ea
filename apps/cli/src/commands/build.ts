import { Command, InvalidArgumentError } from "commander";
import { KilnError } from "@kiln/engine/errors";
import { ZBuildRequest, type TBuildRequest } from "@kiln/engine/plan/build-request";
import { planBuild, planToJson } from "@kiln/engine/plan/plan-build";
import { cliContext } from "../context.ts";
import { hostArch } from "../env.ts";
import { formatPlan } from "../format/plan.ts";
import { exitCodeFor } from "../exit-codes.ts";
import { debianMirrorDefaults } from "../host-mirrors.ts";
import { runLocalBuild } from "../local-build.ts";
import { jsonRenderer, textRenderer } from "../render/render-events.ts";

interface BuildFlags {
  output?: string;
  types?: string;
  arch?: string;
  trace: number;
  skipBase?: boolean;
  packages: string[];
  imageSize?: string;
  imageCache?: string;
  tmpfs: boolean;
  minTmpfs?: string;
  checksum?: boolean;
  uncompressed?: boolean;
  qemuImgOptions?: string;
  mkfsOptions?: string;
  keepOnFailure?: boolean;
  dryRun?: boolean;
  json?: boolean;
  logFormat: "text" | "json";
}

/** `kiln build` (and `disk-image-create`): disk-image-create's flags. */
export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("build a disk image from elements (disk-image-create's flags)")
    .argument("<element...>", "elements to build")
    .option("-o, --output <name>", "image name", "image")
    .option("-t, --types <list>", "output types, comma-separated", "qcow2")
    .option("-a, --arch <arch>", "target architecture (default: $ARCH or the host's)")
    .option("-x, --trace", "increase DIB_DEBUG_TRACE (repeatable)", (_v, n: number) => n + 1, 0)
    .option("-n, --skip-base", "do not add the base element")
    .option("-p, --packages <list>", "extra packages, comma-separated (repeatable)", collect, [])
    .option("--image-size <GB>", "image size in GB")
    .option("--image-cache <dir>", "cache directory")
    .option("--no-tmpfs", "do not build in tmpfs")
    .option("--min-tmpfs <GB>", "RAM in GB needed to build in tmpfs", "2")
    .option("--checksum", "write .md5 and .sha256 files")
    .option("-u, --uncompressed", "do not compress qcow2")
    .option("--qemu-img-options <opts>", "options for qemu-img convert -o")
    .option("--mkfs-options <opts>", "options for mkfs of the root filesystem")
    .option("--keep-on-failure", "keep the build directory when the build fails")
    .option("--dry-run", "resolve and print the plan; run nothing")
    .option("--json", "with --dry-run: print the plan as JSON")
    .option("--log-format <format>", "text (default) or json: one event per line", "text")
    .action(async (elements: string[], flags: BuildFlags, command: Command) => {
      const { env, logger, out } = cliContext();
      const request = toRequest(elements, flags, flags.arch ?? env.ARCH ?? hostArch());
      const elementsPath = [
        ...(env.ELEMENTS_PATH ? env.ELEMENTS_PATH.split(":") : []),
        env.builtinElements,
      ];
      const plan = planBuild({
        elements: request.elements,
        elementsPath,
        skipBase: request.skipBase,
        arch: request.arch,
        env: { ...env.buildEnv, ARCH: request.arch },
        logger,
      });
      if (flags.dryRun) {
        out(flags.json ? JSON.stringify(planToJson(plan), null, 2) + "\n" : formatPlan(plan));
        return;
      }
      const write = (text: string) => process.stdout.write(text);
      const renderer =
        flags.logFormat === "json"
          ? jsonRenderer(write)
          : textRenderer({
              write,
              tty: Boolean(process.stdout.isTTY),
              columns: () => process.stdout.columns ?? 100,
            });
      const result = await runLocalBuild({
        request,
        elementsPath,
        env: { ...debianMirrorDefaults(env.buildEnv), ...env.buildEnv, ARCH: request.arch },
        args: command.parent ? process.argv.slice(2) : elements,
        cwd: process.cwd(),
        tmpDir: env.TMP_DIR,
        imageCache: request.imageCache ?? env.cacheDir,
        renderer,
        logger,
      });
      if (result.status !== "succeeded" && result.error) {
        logger.error(result.error.message);
        process.exitCode = exitCodeFor(result.error);
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").filter(Boolean)];
}

function toRequest(elements: string[], flags: BuildFlags, arch: string): TBuildRequest {
  const number = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag}: '${v}' is not a positive number`);
    return n;
  };
  const parsed = ZBuildRequest.safeParse({
    elements,
    imageName: flags.output,
    types: flags.types?.split(",").filter(Boolean),
    arch,
    debugTrace: flags.trace,
    skipBase: Boolean(flags.skipBase),
    packages: flags.packages,
    imageSizeGb: number("--image-size", flags.imageSize),
    imageCache: flags.imageCache,
    noTmpfs: !flags.tmpfs,
    minTmpfsGb: number("--min-tmpfs", flags.minTmpfs),
    checksum: Boolean(flags.checksum),
    uncompressed: Boolean(flags.uncompressed),
    qemuImgOptions: flags.qemuImgOptions,
    mkfsOptions: flags.mkfsOptions,
    keepOnFailure: Boolean(flags.keepOnFailure),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "request";
    throw new KilnError("USAGE", `${field}: ${issue?.message}`);
  }
  return parsed.data;
}
