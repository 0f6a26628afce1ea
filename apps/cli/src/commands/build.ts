import { Command } from "commander";
import { planBuild, planToJson } from "@kiln/engine/plan/plan-build";
import { addBuildFlags, buildRequestFromFlags, type BuildFlagValues } from "../build-flags.ts";
import { cliContext } from "../context.ts";
import { hostArch } from "../env.ts";
import { formatPlan } from "../format/plan.ts";
import { exitCodeFor } from "../exit-codes.ts";
import { debianMirrorDefaults } from "../host-mirrors.ts";
import { runLocalBuild } from "../local-build.ts";
import { jsonRenderer, textRenderer } from "../render/render-events.ts";

interface BuildFlags extends BuildFlagValues {
  /** With --dry-run: the plan as JSON. */
  json?: boolean;
}

/** `kiln build` (and `disk-image-create`): disk-image-create's flags. */
export function registerBuildCommand(program: Command): void {
  addBuildFlags(
    program
      .command("build")
      .description("build a disk image from elements (disk-image-create's flags)")
      .argument("<element...>", "elements to build"),
    "local",
  )
    .option("--json", "with --dry-run: print the plan as JSON")
    .action(async (elements: string[], flags: BuildFlags, command: Command) => {
      const { env, logger, out } = cliContext();
      const request = buildRequestFromFlags(elements, flags, env.ARCH ?? hostArch());
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
