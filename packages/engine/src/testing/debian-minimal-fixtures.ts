/**
 * Test support: `debian-minimal` elements whose environment.d names the
 * Debian security suite the way the two generations of DIB do, for the
 * tests of `dib-compat-defaults.ts`. Only that part of the element is
 * modelled; mirrors are placeholders.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import type { ElementRef } from "../elements/types.ts";
import { listEnvironmentFiles } from "../hooks/list-run-parts.ts";
import { writeElements } from "./element-tree.ts";
import { securitySuiteOf } from "../pipeline/dib-compat-defaults.ts";

/**
 * As DIB 3.13 does: the suite is the release followed by
 * `DIB_DEBIAN_SECURITY_SUBPATH`, which defaults to `/updates` except for
 * bullseye, whose suite the element spells out.
 */
export const OLD_LAYOUT_ENV = `export DIB_RELEASE=\${DIB_RELEASE:-stable}
if [ "\${DIB_RELEASE}" = "bullseye" ]; then
    _suite="\${DIB_RELEASE}-security"
    DIB_DEBIAN_SECURITY_SUBPATH=\${DIB_DEBIAN_SECURITY_SUBPATH:-}
else
    _suite="\${DIB_RELEASE}"
    DIB_DEBIAN_SECURITY_SUBPATH=\${DIB_DEBIAN_SECURITY_SUBPATH:-/updates}
fi
_sources="default:deb http://mirror.invalid/debian \${DIB_RELEASE} main
security:deb http://mirror.invalid/debian-security \${_suite}\${DIB_DEBIAN_SECURITY_SUBPATH} main"
export DIB_APT_SOURCES_CONF=\${DIB_APT_SOURCES_CONF:-\${_sources}}
`;

/**
 * As DIB's current tree does: the suite is always `<release>-security`,
 * followed by `DIB_DEBIAN_SECURITY_SUBPATH` (default empty).
 */
export const SECURITY_SUITE_LAYOUT_ENV = `export DIB_RELEASE=\${DIB_RELEASE:-stable}
DIB_DEBIAN_SECURITY_SUBPATH=\${DIB_DEBIAN_SECURITY_SUBPATH:-}
_sources="default:deb http://mirror.invalid/debian \${DIB_RELEASE} main
security:deb http://mirror.invalid/debian-security \${DIB_RELEASE}-security\${DIB_DEBIAN_SECURITY_SUBPATH} main"
export DIB_APT_SOURCES_CONF=\${DIB_APT_SOURCES_CONF:-\${_sources}}
`;

/** Write `<root>/debian-minimal` with `envText` as its only environment.d file. */
export function writeDebianMinimal(root: string, envText: string): ElementRef {
  writeElements(root, {
    "debian-minimal": {
      provides: ["operating-system"],
      files: { "README.rst": "fixture\n", "environment.d/10-debian-minimal.bash": envText },
    },
  });
  return { name: "debian-minimal", path: path.join(root, "debian-minimal") };
}

/**
 * The security suite apt would get: the element's environment.d sourced
 * with exactly `env`, as a phase sources it.
 */
export function sourcedSecuritySuite(
  element: ElementRef,
  env: Record<string, string>,
): string | undefined {
  const envDir = path.join(element.path, "environment.d");
  const files = listEnvironmentFiles(envDir).map((name) => path.join(envDir, name));
  const script = 'set -eu; for f in "$@"; do source "$f"; done; printf %s "$DIB_APT_SOURCES_CONF"';
  const run = spawnSync("/bin/bash", ["-c", script, "bash", ...files], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (run.status !== 0) throw new Error(`sourcing ${envDir} failed: ${run.stderr}`);
  return securitySuiteOf(run.stdout);
}
