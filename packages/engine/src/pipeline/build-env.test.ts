import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ElementRef } from "../elements/types.ts";
import { baseBuildEnv, CHROOT_PATH, phaseEnv } from "./build-env.ts";
import { OLD_LAYOUT_ENV, writeDebianMinimal } from "../testing/debian-minimal-fixtures.ts";
import { IN_TARGET_LIB, KILN_LIB_DIR } from "./runtime-lib.ts";

const elements: ElementRef[] = [
  { name: "base", path: "/els/base" },
  { name: "vm", path: "/els/vm" },
];

const imageCache = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-env-"));
afterAll(() => fs.rmSync(imageCache, { recursive: true, force: true }));

function base(
  userEnv: Record<string, string | undefined> = {},
  debugTrace = 0,
  buildElements = elements,
) {
  return baseBuildEnv({
    userEnv: { PATH: "/usr/bin:/bin", ...userEnv },
    dirs: { buildDir: "/b", imageDir: "/i", hooksPath: "/b/hooks", mountPath: "/b/mnt" },
    elements: buildElements,
    elementsPath: ["/els"],
    imageName: "img",
    arch: "amd64",
    debugTrace,
    imageCache,
    args: ["-o", "img", "vm"],
  });
}

/** Run bash with exactly this environment and print what a hook sees. */
function inHook(env: Record<string, string>, script: string): string {
  const r = spawnSync("/bin/bash", ["-c", script], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return r.stdout + r.stderr;
}

describe("build environment: DIB's runtime contract", () => {
  it("every phase gets _LIB, DIB_PYTHON_EXEC, DIB_ARGS, IMAGE_NAME and die", () => {
    const env = base({ DIB_PYTHON_EXEC: "/opt/python3" });
    expect(env._LIB).toBe(KILN_LIB_DIR);
    expect(env.DIB_PYTHON_EXEC).toBe("/opt/python3");
    expect(env.DIB_ARGS).toBe("-o img vm");
    expect(env.IMAGE_NAME).toBe("img");
    expect(fs.statSync(env.DIB_LOCKFILES!).isDirectory()).toBe(true);
    for (const phase of ["root.d", "install.d"] as const) {
      const out = inHook(phaseEnv(env, phase, elements), 'false || die "stop here"; echo no');
      expect(out).toBe("stop here\n");
    }
  });

  it("host phases: sudo stand-in first, hooks bin last, get_image_element_array", () => {
    const env = phaseEnv(base(), "extra-data.d", elements);
    const dirs = env.PATH!.split(":");
    expect(dirs[0]).toBe(`${KILN_LIB_DIR}/shims`);
    expect(dirs.at(-1)).toBe("/b/hooks/bin");
    expect(inHook(env, "command -v sudo")).toBe(`${KILN_LIB_DIR}/shims/sudo\n`);
    const arr = inHook(
      env,
      'eval declare -A a=($(get_image_element_array)); for k in "${!a[@]}"; do echo "$k=${a[$k]}"; done | sort',
    );
    expect(arr).toBe("base=/els/base\nvm=/els/vm\n");
  });

  it("chroot phases: _LIB is the in-target copy, DIB's PATH, HOME=/root", () => {
    const env = phaseEnv(base({ TMPDIR: "/tmp/x" }), "install.d", elements);
    expect(env._LIB).toBe(IN_TARGET_LIB);
    expect(env.PATH).toBe(CHROOT_PATH);
    expect(env.HOME).toBe("/root");
    expect(env.TMPDIR).toBeUndefined();
  });

  it("TARGET_ROOT only in root.d and cleanup.d", () => {
    const b = base();
    expect(phaseEnv(b, "root.d", elements).TARGET_ROOT).toBe("/b/mnt");
    expect(phaseEnv(b, "cleanup.d", elements).TARGET_ROOT).toBe("/b/mnt");
    expect(phaseEnv(b, "extra-data.d", elements).TARGET_ROOT).toBeUndefined();
  });

  it("adds the Debian security subpath default unless the caller set one", () => {
    // A debian-minimal that still names the security suite `<release>/updates`.
    const old = [...elements, writeDebianMinimal(path.join(imageCache, "old"), OLD_LAYOUT_ENV)];
    expect(base({}, 0, old).DIB_DEBIAN_SECURITY_SUBPATH).toBe("-security");
    expect(
      base({ DIB_DEBIAN_SECURITY_SUBPATH: "/updates" }, 0, old).DIB_DEBIAN_SECURITY_SUBPATH,
    ).toBe("/updates");
    // DIB_ENV records what the caller gave, not Kiln's defaults.
    expect(base({}, 0, old).DIB_ENV).not.toMatch(/SECURITY_SUBPATH/);
  });

  it("secrets reach hooks but not DIB_ENV, which the manifests element writes into the image", () => {
    const env = baseBuildEnv({
      userEnv: { PATH: "/usr/bin:/bin", DIB_RELEASE: "noble", DIB_REPO_TOKEN: "s3cret-value" },
      secretNames: ["DIB_REPO_TOKEN"],
      dirs: { buildDir: "/b", imageDir: "/i", hooksPath: "/b/hooks", mountPath: "/b/mnt" },
      elements,
      elementsPath: ["/els"],
      imageName: "img",
      arch: "amd64",
      debugTrace: 0,
      imageCache,
      args: [],
    });
    expect(env.DIB_ENV).toBe('declare -x DIB_RELEASE="noble"');
    expect(inHook(phaseEnv(env, "install.d", elements), 'echo "$DIB_REPO_TOKEN"')).toBe(
      "s3cret-value\n",
    );
    expect(base({ DIB_REPO_TOKEN: "s3cret-value" }).DIB_ENV).toContain("s3cret-value");
  });

  it("DIB_DEBUG_TRACE starts from the caller's value and counts one per -x", () => {
    expect(base().DIB_DEBUG_TRACE).toBe("0");
    expect(base({}, 2).DIB_DEBUG_TRACE).toBe("2");
    expect(base({ DIB_DEBUG_TRACE: "1" }).DIB_DEBUG_TRACE).toBe("1");
    expect(base({ DIB_DEBUG_TRACE: "1" }, 1).DIB_DEBUG_TRACE).toBe("2");
    expect(base({ DIB_DEBUG_TRACE: "" }, 1).DIB_DEBUG_TRACE).toBe("1");
    expect(() => base({ DIB_DEBUG_TRACE: "yes" })).toThrow(
      /DIB_DEBUG_TRACE must be a whole number/,
    );
  });
});
