import { stringify } from "yaml";
import { shellSingleQuote } from "@kiln/contracts/shell-quote";
import type { ElementRef } from "./types.ts";

/**
 * The shell definitions `element-info --env` prints (IMAGE_ELEMENT,
 * IMAGE_ELEMENT_YAML, get_image_element_array). Unlike DIB, every value is
 * quoted, so element paths with quotes, spaces or YAML-special characters
 * survive `eval`.
 */
export function formatElementEnv(elements: ElementRef[]): string {
  const names = elements.map((e) => e.name).join(" ");
  const sorted = [...elements].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const yamlMap: Record<string, string> = {};
  for (const e of sorted) yamlMap[e.name] = e.path;
  const yaml = elements.length ? stringify(yamlMap, { lineWidth: 0 }) : "{}\n";
  const entries = elements.map((e) => `[${shellSingleQuote(e.name)}]=${shellSingleQuote(e.path)} `).join("");
  return [
    `export IMAGE_ELEMENT=${shellSingleQuote(names)}`,
    `export IMAGE_ELEMENT_YAML=${shellSingleQuote(yaml)}`,
    "function get_image_element_array {",
    `  echo ${shellSingleQuote(entries)}`,
    "};",
    "export -f get_image_element_array;",
    "",
  ].join("\n");
}
