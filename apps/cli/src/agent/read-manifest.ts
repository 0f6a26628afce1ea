/** The build record's packages.json → MANIFEST packages (name, version, arch). */
import fs from "node:fs";
import { LIMITS, type TAgentToServer } from "@kiln/protocol";

type TPackage = TAgentToServer<"MANIFEST">["packages"][number];

export function readManifest(file: string): TPackage[] {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a JSON array of packages`);
  const out: TPackage[] = [];
  for (const p of raw as Record<string, unknown>[]) {
    if (typeof p?.name !== "string" || typeof p.version !== "string") continue;
    out.push({
      name: p.name,
      version: p.version,
      ...(typeof p.arch === "string" && p.arch ? { arch: p.arch } : {}),
    });
  }
  return out.slice(0, LIMITS.manifestPackages);
}
