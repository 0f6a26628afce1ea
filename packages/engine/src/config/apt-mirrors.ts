/**
 * Read the Debian mirrors a build host's apt is configured with, so builds use
 * the same (reachable, maybe local) mirror by default. Understands both
 * formats: deb822 `.sources` stanzas and one-line `sources.list` entries.
 */
export interface AptMirrors {
  /** The archive mirror (suites like `bookworm`, `bookworm-updates`). */
  archive?: string;
  /** The security mirror (suites ending in `-security` or `/updates`). */
  security?: string;
}

interface SourceEntry {
  uri: string;
  suites: string[];
  types: string[];
}

/** Parse apt source files' text (any mix of formats) into mirrors. */
export function parseAptMirrors(texts: string[]): AptMirrors {
  const entries = texts.flatMap((t) => [...parseDeb822(t), ...parseOneLine(t)]);
  const debs = entries.filter((e) => e.types.includes("deb"));
  const isSecurity = (s: string) => s.endsWith("-security") || s.endsWith("/updates");
  const archive = debs.find((e) => e.suites.some((s) => !isSecurity(s)))?.uri;
  const security = debs.find((e) => e.suites.some(isSecurity))?.uri;
  return { archive: trimSlash(archive), security: trimSlash(security) };
}

function parseDeb822(text: string): SourceEntry[] {
  if (!/^\s*URIs\s*:/im.test(text)) return [];
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const field = (name: string) =>
        new RegExp(`^${name}\\s*:\\s*(.*)$`, "im").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      if (field("Enabled")[0]?.toLowerCase() === "no") return undefined;
      const uri = field("URIs")[0];
      return uri ? { uri, suites: field("Suites"), types: field("Types") } : undefined;
    })
    .filter((e): e is SourceEntry => e !== undefined);
}

function parseOneLine(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ types: [m[1] as string], uri: m[2] as string, suites: [m[3] as string] });
  }
  return out;
}

function trimSlash(uri: string | undefined): string | undefined {
  return uri?.replace(/\/+$/, "");
}
