import path from "node:path";
import type { Command } from "commander";
import { findElements } from "@kiln/engine/elements/find-elements";
import { PkgMapError } from "@kiln/engine/packages/package-errors";
import { runPkgMap } from "@kiln/engine/packages/pkg-map";
import { createCliLogger } from "../cli-logger.ts";
import { cliContext, type CliContext } from "../context.ts";

interface PkgMapFlags {
  element?: string;
  pkgMap?: string;
  distro?: string;
  release?: string;
  missingOk?: boolean;
  prefix: string;
  debug?: boolean;
  elementsPath?: string;
}

/** What the command touches besides stdout; replaceable in tests. */
export interface PkgMapIO {
  context: () => CliContext;
  /** Error lines (stderr). */
  err: (text: string) => void;
  setExitCode: (code: number) => void;
}

const defaultIO: PkgMapIO = {
  context: cliContext,
  err: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/**
 * `kiln pkg-map …`: DIB's pkg-map with its options and exit codes (0 ok,
 * 1 bad usage/file or a missing mapping, 2 no map file); package-installs-v2
 * tells 1 from 2, so they are kept. Unknown options are taken as names, as
 * DIB's `parse_known_args` does.
 */
export function registerPkgMapCommand(program: Command, io: PkgMapIO = defaultIO): void {
  program
    .command("pkg-map")
    .description("translate generic package names to the distro's names with an element's pkg-map")
    .argument("[name...]", "generic package names")
    .option("--element <element>", "element whose map is used (/usr/share/pkg-map/<element>)")
    .option("--pkg-map <file>", "use this pkg-map file instead of an element's")
    .option("--distro <distro>", "distro name (default: $DISTRO_NAME)")
    .option("--release <release>", "distro release (default: $DIB_RELEASE)")
    .option("--missing-ok", "print names that have no mapping instead of failing")
    .option("--prefix <prefix>", "prefix every printed name (tells output from logs)", "")
    .option("--debug", "log each name's mapping on stderr")
    .option(
      "--elements-path <path>",
      "Kiln: read --element's map from the element's own pkg-map file on this path",
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .action((names: string[], flags: PkgMapFlags) => {
      const { env, logger: baseLogger, out } = io.context();
      const logger = flags.debug ? createCliLogger({ level: "debug" }) : baseLogger;
      const build = env.buildEnv;
      try {
        const result = runPkgMap({
          element: flags.element,
          pkgMapFile: flags.pkgMap,
          mapFileForElement: flags.elementsPath
            ? elementMapOnPath(flags.elementsPath, logger)
            : undefined,
          distro: flags.distro ?? build.DISTRO_NAME,
          release: flags.release ?? build.DIB_RELEASE,
          names,
          missingOk: flags.missingOk,
          logger,
        });
        out(result.mapped.map((n) => `${flags.prefix}${n}\n`).join(""));
      } catch (e) {
        // Exit 2 is also what main gives any KilnError; exit 1 has to be set here.
        if (!(e instanceof PkgMapError) || e.exitCode === 2) throw e;
        io.err(`kiln: ${e.message}\n`);
        io.setExitCode(1);
      }
    });
}

function elementMapOnPath(
  elementsPath: string,
  logger: CliContext["logger"],
): (element: string) => string | undefined {
  return (element) => {
    const ref = findElements({ elementsPath, logger }).get(element);
    return ref ? path.join(ref.path, "pkg-map") : undefined;
  };
}
