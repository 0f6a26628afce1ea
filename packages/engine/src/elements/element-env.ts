import { stringify } from "yaml";
import type { ElementRef } from "./types.ts";

/** Quote a string for bash so that eval gives it back unchanged. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

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
  const entries = elements.map((e) => `[${shellQuote(e.name)}]=${shellQuote(e.path)} `).join("");
  return [
    `export IMAGE_ELEMENT=${shellQuote(names)}`,
    `export IMAGE_ELEMENT_YAML=${shellQuote(yaml)}`,
    "function get_image_element_array {",
    `  echo ${shellQuote(entries)}`,
    "};",
    "export -f get_image_element_array;",
    "",
  ].join("\n");
}
