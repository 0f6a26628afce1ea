/**
 * Defaults Kiln adds for upstream DIB element trees, where the caller set
 * nothing.
 *
 * The Debian security suite: DIB 3.13's debian-minimal names it
 * `<release>` + `DIB_DEBIAN_SECURITY_SUBPATH` (default `/updates`), a layout
 * Debian dropped after buster (the element special-cases bullseye), so a
 * current release needs `DIB_DEBIAN_SECURITY_SUBPATH=-security` there.
 * Newer DIB names the suite `<release>-security` itself and appends the
 * variable (default empty), where the same value would double the suffix.
 * So the default is decided by what the build's own debian-minimal makes of
 * an unset variable (`probeSecuritySuite`).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import type { ElementRef } from "../elements/types.ts";
import { listEnvironmentFiles } from "../hooks/list-run-parts.ts";

/** Debian releases whose security suite really is `<release>/updates`, or (bullseye) set by the element itself. */
const OLD_SECURITY_LAYOUT = new Set(["jessie", "stretch", "buster", "bullseye"]);

/** What a debian-minimal environment.d produces with `DIB_DEBIAN_SECURITY_SUBPATH` unset. */
export interface SecuritySuiteProbe {
  /** `DIB_RELEASE` after sourcing. */
  release: string;
  /** Suite of the `security:` entry of `DIB_APT_SOURCES_CONF`; undefined when there is none. */
  suite: string | undefined;
}

/**
 * The defaults for `env` (the caller's environment). `probe` is what the
 * build's debian-minimal does with the variable unset: `null` when the build
 * has no debian-minimal (nothing reads the variable); `undefined` when it
 * could not be evaluated, in which case the release alone decides.
 */
export function dibCompatDefaults(
  env: Record<string, string | undefined>,
  probe?: SecuritySuiteProbe | null,
): Record<string, string> {
  if (env.DIB_DEBIAN_SECURITY_SUBPATH !== undefined || probe === null) return {};
  const needsSuffix =
    probe === undefined
      ? !OLD_SECURITY_LAYOUT.has(env.DIB_RELEASE ?? "")
      : probe.suite !== undefined &&
        probe.suite.endsWith("/updates") &&
        !OLD_SECURITY_LAYOUT.has(probe.release);
  return needsSuffix ? { DIB_DEBIAN_SECURITY_SUBPATH: "-security" } : {};
}

/**
 * The suite of the `security:` entry of a `DIB_APT_SOURCES_CONF` value
 * (`<name>:deb [options] <mirror> <suite> <components>` lines).
 */
export function securitySuiteOf(sourcesConf: string): string | undefined {
  const line = sourcesConf.split("\n").find((l) => l.trimStart().startsWith("security:"));
  if (line === undefined) return undefined;
  const words = line
    .slice(line.indexOf(":") + 1)
    .trim()
    .split(/\s+/);
  let i = 1; // after `deb`
  if (words[i]?.startsWith("[")) {
    while (i < words.length && !words[i]?.endsWith("]")) i += 1;
    i += 1;
  }
  return words[i + 1];
}

/** Sources the files given as arguments and prints release and sources, NUL-separated. */
const PROBE_SCRIPT = [
  "set -eu -o pipefail",
  'for f in "$@"; do source "$f"; done',
  'printf "%s\\0%s" "${DIB_RELEASE:-}" "${DIB_APT_SOURCES_CONF:-}"',
].join("\n");

/**
 * Evaluate the environment.d of the build's `debian-minimal` (the winning
 * copy, whichever tree it comes from) in the caller's environment with
 * `DIB_DEBIAN_SECURITY_SUBPATH` unset. `null` without a debian-minimal;
 * `undefined` when sourcing fails.
 */
export function probeSecuritySuite(
  elements: readonly ElementRef[],
  env: Record<string, string | undefined>,
): SecuritySuiteProbe | null | undefined {
  const element = elements.find((e) => e.name === "debian-minimal");
  if (!element) return null;
  const envDir = path.join(element.path, "environment.d");
  const files = listEnvironmentFiles(envDir).map((name) => path.join(envDir, name));
  const probeEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== "DIB_DEBIAN_SECURITY_SUBPATH") probeEnv[key] = value;
  }
  const run = spawnSync("/bin/bash", ["-c", PROBE_SCRIPT, "bash", ...files], {
    env: probeEnv,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  if (run.status !== 0) return undefined;
  const [release = "", sourcesConf = ""] = run.stdout.split("\0");
  return { release, suite: securitySuiteOf(sourcesConf) };
}

/** The defaults for a build of `elements`; probes only when the caller left the variable unset. */
export function dibCompatDefaultsFor(
  elements: readonly ElementRef[],
  env: Record<string, string | undefined>,
): Record<string, string> {
  if (env.DIB_DEBIAN_SECURITY_SUBPATH !== undefined) return {};
  return dibCompatDefaults(env, probeSecuritySuite(elements, env));
}
