import type { Command } from "commander";
import { listRunParts } from "@kiln/engine/hooks/list-run-parts";
import { KilnError } from "@kiln/contracts/errors";
import { cliContext } from "../context.ts";

/** `kiln run-parts --list DIR`: what dib-run-parts would run, in order. */
export function registerRunPartsCommand(program: Command): void {
  program
    .command("run-parts")
    .description("list the hooks dib-run-parts would run from DIR, in run order")
    .argument("<dir>", "hook directory")
    .option("--list", "print DIR/name for each hook that would run (the only mode so far)")
    .action((dir: string, flags: { list?: boolean }) => {
      const { env, out } = cliContext();
      if (!flags.list) {
        throw new KilnError(
          "USAGE",
          "run-parts: only --list is available; hooks run inside `kiln build`",
        );
      }
      const names = listRunParts(dir, { regex: env.RUN_PARTS_REGEX || undefined });
      out(names.map((n) => `${dir}/${n}\n`).join(""));
    });
}
