import fs from "node:fs";
import path from "node:path";
import { parseAptMirrors } from "@kiln/engine/config/apt-mirrors";

/**
 * Defaults for Debian builds from this host's apt configuration: a Debian
 * host's archive and security mirrors become `DIB_DEBIAN_DISTRIBUTION_MIRROR`
 * and `DIB_DEBIAN_SECURITY_MIRROR` unless the caller set them (or the generic
 * `DIB_DISTRIBUTION_MIRROR`). Elsewhere the elements' public defaults apply.
 */
export function debianMirrorDefaults(
  env: Record<string, string | undefined>,
  aptDir = "/etc/apt",
): Record<string, string> {
  const texts: string[] = [];
  const read = (f: string) => {
    try {
      texts.push(fs.readFileSync(f, "utf8"));
    } catch {
      /* absent or unreadable: no default from it */
    }
  };
  read(path.join(aptDir, "sources.list"));
  const dir = path.join(aptDir, "sources.list.d");
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    if (f.endsWith(".list") || f.endsWith(".sources")) read(path.join(dir, f));
  }
  const mirrors = parseAptMirrors(texts);
  const out: Record<string, string> = {};
  const generic = env.DIB_DISTRIBUTION_MIRROR;
  if (mirrors.archive && !generic && !env.DIB_DEBIAN_DISTRIBUTION_MIRROR) {
    out.DIB_DEBIAN_DISTRIBUTION_MIRROR = mirrors.archive;
  }
  if (mirrors.security && !env.DIB_DEBIAN_SECURITY_MIRROR)
    out.DIB_DEBIAN_SECURITY_MIRROR = mirrors.security;
  return out;
}
