import type { Command } from "commander";
import { expandElements } from "@kiln/engine/elements/expand-elements";
import { findElements } from "@kiln/engine/elements/find-elements";
import { formatElementEnv } from "@kiln/engine/elements/element-env";
import { describeElement } from "@kiln/engine/elements/describe-element";
import { MissingElementError } from "@kiln/engine/errors";
import { cliContext, elementsPathFrom } from "../context.ts";
import { formatElementDescription } from "../format/element-description.ts";

interface ExpandFlags {
  elementsPath?: string;
  json?: boolean;
  env?: boolean;
}

/** `kiln elements …`: element-info and friends. Returns the group for more subcommands. */
export function registerElementsCommand(program: Command): Command {
  const elements = program
    .command("elements")
    .description("inspect elements: expand dependencies, list, show, lint");

  elements
    .command("expand")
    .description("expand elements to their dependency closure (DIB element-info)")
    .argument("<element...>", "elements to expand, exactly as listed")
    .option("--elements-path <path>", "colon-separated element dirs (default: $ELEMENTS_PATH)")
    .option("--json", "print {elements:[{name,path}]}")
    .option("--env", "print IMAGE_ELEMENT, IMAGE_ELEMENT_YAML and get_image_element_array")
    .action((requested: string[], flags: ExpandFlags) => {
      const { env, logger, out } = cliContext();
      const all = findElements({ elementsPath: elementsPathFrom(flags.elementsPath, env), logger });
      const expanded = expandElements({ requested, elements: all, logger });
      if (flags.json) out(JSON.stringify({ elements: expanded }) + "\n");
      else if (flags.env) out(formatElementEnv(expanded));
      else out(expanded.map((e) => e.name).join(" ") + "\n");
    });

  elements
    .command("list")
    .description("list every element on the path with where it comes from")
    .option("--elements-path <path>", "colon-separated element dirs (default: $ELEMENTS_PATH)")
    .option("--json", "print [{name,path}]")
    .action((flags: { elementsPath?: string; json?: boolean }) => {
      const { env, logger, out } = cliContext();
      const all = [
        ...findElements({
          elementsPath: elementsPathFrom(flags.elementsPath, env),
          logger,
        }).values(),
      ].sort((a, b) => (a.name < b.name ? -1 : 1));
      if (flags.json) out(JSON.stringify(all) + "\n");
      else {
        const width = Math.max(0, ...all.map((e) => e.name.length));
        for (const e of all) out(`${e.name.padEnd(width)}  ${e.path}\n`);
      }
    });

  elements
    .command("show")
    .description("show an element: deps, provides, hooks per phase, packages, README")
    .argument("<element>", "element name")
    .option("--elements-path <path>", "colon-separated element dirs (default: $ELEMENTS_PATH)")
    .option("--json", "print the description as JSON")
    .action((name: string, flags: { elementsPath?: string; json?: boolean }) => {
      const { env, logger, out } = cliContext();
      const all = findElements({ elementsPath: elementsPathFrom(flags.elementsPath, env), logger });
      const ref = all.get(name);
      if (!ref) throw new MissingElementError(name);
      const description = describeElement(ref, { logger });
      out(flags.json ? JSON.stringify(description) + "\n" : formatElementDescription(description));
    });

  return elements;
}
