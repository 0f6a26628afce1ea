import type { ElementDescription } from "@kiln/engine/elements/describe-element";

/** Human-readable `kiln elements show` output. */
export function formatElementDescription(d: ElementDescription): string {
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${label.padEnd(12)} ${value}`);
  field("element", d.name);
  field("path", d.path);
  field("depends on", d.deps.join(" ") || "-");
  field("provides", d.provides.join(" ") || "-");
  field("environment", d.environment.join(" ") || "-");
  field("bin", d.bin.join(" ") || "-");
  field(
    "packages",
    d.packages
      .map((p) => `${p.name}(${p.phase}${p.action === "install" ? "" : `,${p.action}`})`)
      .join(" ") || "-",
  );
  field("pkg-map", d.files.pkgMap ? "yes" : "-");
  field("block-device", d.files.blockDevice.join(" ") || "-");
  const phases = Object.entries(d.hooks);
  lines.push("hooks");
  if (phases.length === 0) lines.push("  (none)");
  for (const [phase, names] of phases) lines.push(`  ${phase.padEnd(16)} ${names.join(" ")}`);
  if (d.readme) {
    lines.push("", `--- ${d.readme.file} ---`, d.readme.text.trimEnd());
  }
  return lines.join("\n") + "\n";
}
