import { Command, CommanderError } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { registerAdminCommand } from "./commands/admin.ts";
import { registerAgentCommand } from "./commands/agent.ts";
import { registerBlockDeviceCommand } from "./commands/block-device.ts";
import { registerBuildCommand } from "./commands/build.ts";
import { registerElementsCommand } from "./commands/elements.ts";
import { registerElementsLintCommand } from "./commands/elements-lint.ts";
import { cliContext } from "./context.ts";
import { registerPackageInstallsCommand } from "./commands/package-installs.ts";
import { registerPkgMapCommand } from "./commands/pkg-map.ts";
import { registerRemote } from "./commands/remote.ts";
import { registerRunPartsCommand } from "./commands/run-parts.ts";
import { exitCodeFor } from "./exit-codes.ts";

/** Build the `kiln` command tree. */
export function createProgram(): Command {
  const program = new Command("kiln")
    .description("Kiln: DIB-compatible disk image builds, element tools and build agents")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const elements = registerElementsCommand(program);
  registerElementsLintCommand(elements, { elementsPath: cliContext().env.ELEMENTS_PATH });
  registerRunPartsCommand(program);
  registerPackageInstallsCommand(program);
  registerPkgMapCommand(program);
  registerBlockDeviceCommand(program);
  registerBuildCommand(program);
  registerAdminCommand(program);
  registerAgentCommand(program);
  registerRemote(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Run the CLI; returns the exit code. Errors the user can act on print one
 * line per message line, prefixed `kiln:`, never a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (or help/version).
      return err.exitCode === 0 ? 0 : 2;
    }
    const code = exitCodeFor(err);
    const message = err instanceof Error ? err.message : String(err);
    for (const line of message.split("\n")) process.stderr.write(`kiln: ${line}\n`);
    if (!(err instanceof KilnError) && debugEnabled()) {
      process.stderr.write(`${(err as Error).stack}\n`);
    }
    return code;
  }
}

/** KILN_DEBUG from env.ts; false when the environment itself failed to parse. */
function debugEnabled(): boolean {
  try {
    return Boolean(cliContext().env.KILN_DEBUG);
  } catch {
    return false;
  }
}
