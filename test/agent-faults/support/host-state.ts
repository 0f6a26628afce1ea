/**
 * What a build can leave on the host, read from the kernel's own tables:
 * mounts and loop devices (test/pipeline's `leftovers`) plus processes whose
 * root lies in a directory (a hook still running in the chroot).
 */
import fs from "node:fs";
import { agentArch } from "../../../apps/cli/src/agent/run-agent.ts";
import { leftovers } from "../../pipeline/fake-build.ts";

export { FIXTURE_ELEMENTS, leftovers } from "../../pipeline/fake-build.ts";

/** Pids whose root directory is `dir` or beneath it. */
export function chrootedUnder(dir: string): string[] {
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const root = fs.readlinkSync(`/proc/${p}/root`);
        return root === dir || root.startsWith(dir + "/");
      } catch {
        return false;
      }
    });
}

/**
 * `rm -rf dir`, unless something is still mounted beneath it: recursing into
 * a leftover bind mount (/dev, /proc of a chroot) would delete the host's files.
 */
export function removeDirSafely(dir: string): void {
  const { mounts } = leftovers([dir]);
  if (mounts.length) {
    console.warn(`not removing ${dir}: still mounted beneath it: ${mounts.join(", ")}`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Mounts, loop devices and chrooted processes under `dir`. */
export function hostState(dir: string): { mounts: string[]; loops: string[]; chrooted: string[] } {
  return { ...leftovers([dir]), chrooted: chrootedUnder(dir) };
}

/** The fake-os build with a sleeping install.d hook, as a tRPC ad-hoc request. */
export const SLEEP_BUILD = {
  request: {
    elements: ["fake-os", "sleep-in-install"],
    imageName: "img",
    types: ["raw" as const],
    arch: agentArch(),
    skipBase: true,
    imageSizeGb: 0.2,
    noTmpfs: true,
  },
  env: [{ name: "KILN_TEST_SLEEP", value: "120", secret: false }],
};
