import fs from "node:fs";
import type { Command } from "commander";
import { findElements } from "@kiln/engine/elements/find-elements";
import { KilnError } from "@kiln/contracts/errors";
import { MissingElementError } from "@kiln/engine/errors";
import { squashPackageInstalls } from "@kiln/engine/packages/squash-package-installs";
import { formatSquashed } from "@kiln/engine/packages/format-squashed";
import { cliContext, elementsPathFrom, type CliContext } from "../context.ts";

interface SquashFlags {
  elementsPath?: string;
  output?: string;
}

/**
 * `kiln package-installs squash ELEMENT...`: DIB's package-installs-squash
 * for an element list taken as given (no dependency expansion). `context` is
 * replaceable so tests can pass their own environment and capture output.
 */
export function registerPackageInstallsCommand(
  program: Command,
  context: () => CliContext = cliContext,
): void {
  const group = program
    .command("package-installs")
    .description("package-installs tools (DIB's package-installs element)");

  group
    .command("squash")
    .description(
      "merge the package-installs files of ELEMENT... into per-phase install/uninstall " +
        "lists, printed as DIB writes /tmp/package-installs.json; reads ARCH, " +
        "DIB_INSTALLTYPE_*, DIB_DEFAULT_INSTALLTYPE, DIB_PYTHON_VERSION and `when` variables",
    )
    .argument("<element...>", "elements in IMAGE_ELEMENT order (space-separated lists are split)")
    .option("--elements-path <path>", "colon-separated element dirs (default: $ELEMENTS_PATH)")
    .option("-o, --output <file>", "write DIB's exact bytes (no trailing newline) to FILE")
    .action((requested: string[], flags: SquashFlags) => {
      const { env, logger, out } = context();
      const all = findElements({ elementsPath: elementsPathFrom(flags.elementsPath, env), logger });
      // DIB gets the list as one $IMAGE_ELEMENT string and splits it on spaces.
      const names = requested.flatMap((r) => r.split(/\s+/)).filter((n) => n !== "");
      const elements = names.map((name) => {
        const ref = all.get(name);
        if (!ref) throw new MissingElementError(name);
        return ref;
      });
      const text = formatSquashed(squashPackageInstalls({ elements, env: env.buildEnv, logger }));
      if (flags.output === undefined) {
        out(text + "\n");
        return;
      }
      try {
        fs.writeFileSync(flags.output, text);
      } catch (cause) {
        throw new KilnError("HOST", `cannot write ${flags.output}: ${(cause as Error).message}`, {
          cause,
        });
      }
    });
}
