import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  dieFunctionBody,
  installRuntimeLib,
  KILN_LIB_DIR,
  resolvePythonExec,
} from "./runtime-lib.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-lib-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Run a bash script with Kiln's libraries at $_LIB; env replaces the default. */
function bash(script: string, env: Record<string, string> = {}, args: string[] = []) {
  const r = spawnSync("bash", ["-c", script, "bash", ...args], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", _LIB: KILN_LIB_DIR, ...env },
    encoding: "utf8",
    // stdin must not be a socket: bash would then read ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function touch(root: string, ...files: string[]) {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), "");
  }
}

function fakeRoot(name: string, files: string[]): string {
  const root = path.join(tmp, name);
  touch(root, ...files);
  return root;
}

const select = (root: string, env: Record<string, string> = {}) =>
  bash(
    // As the select-boot-kernel-initrd element uses it: alone, under set -eu.
    `set -eu; source "$_LIB/img-functions"; select_boot_kernel_initrd "$1"; ` +
      `echo "$KERNEL:$RAMDISK:$BOOTDIR"`,
    env,
    [root],
  );

describe("die", () => {
  it("prints the message on stderr and keeps the failing status", () => {
    const r = bash(`source "$_LIB/die"; (exit 3) || die "could not frob" "the widget"; echo after`);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("could not frob the widget\n");
    expect(r.stdout).toBe("");
  });

  it("never exits 0, even right after a success", () => {
    const r = bash(`source "$_LIB/die"; true; die "bad state"`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bad state\n");
  });

  it("works as the exported function hooks inherit (BASH_FUNC_die%%)", () => {
    const r = bash(`false || die "from env"`, { "BASH_FUNC_die%%": dieFunctionBody() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("from env\n");
  });
});

describe("select_boot_kernel_initrd", () => {
  it("picks the newest Debian kernel and initramfs by version, not by byte order", () => {
    const root = fakeRoot("debian", [
      "etc/debian_version",
      "boot/vmlinuz-5.10.0-30-amd64",
      "boot/vmlinuz-6.1.0-9-amd64",
      "boot/vmlinuz-6.1.0-10-amd64",
      "boot/initrd.img-5.10.0-30-amd64",
      "boot/initrd.img-6.1.0-9-amd64",
      "boot/initrd.img-6.1.0-10-amd64",
    ]);
    const r = select(root);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`vmlinuz-6.1.0-10-amd64:initrd.img-6.1.0-10-amd64:${root}/boot`);
  });

  it("prefers Ubuntu's -generic kernels", () => {
    const root = fakeRoot("ubuntu", [
      "etc/debian_version",
      "boot/vmlinuz-6.8.0-40-generic",
      "boot/vmlinuz-6.9.0-1-lowlatency",
      "boot/initrd.img-6.8.0-40-generic",
      "boot/initrd.img-6.9.0-1-lowlatency",
    ]);
    expect(select(root).stdout.trim()).toBe(
      `vmlinuz-6.8.0-40-generic:initrd.img-6.8.0-40-generic:${root}/boot`,
    );
  });

  it("on Red Hat takes a PAE kernel first, skips debug ones, and pairs the initramfs", () => {
    const root = fakeRoot("redhat", [
      "etc/redhat-release",
      "boot/vmlinuz-5.14.0-9.el9.x86_64",
      "boot/vmlinuz-5.14.0-8.el9.x86_64.PAE",
      "boot/vmlinuz-5.14.0-10.el9.x86_64+debug",
      "boot/initramfs-5.14.0-9.el9.x86_64.img",
      "boot/initramfs-5.14.0-8.el9.x86_64.PAE.img",
    ]);
    expect(select(root).stdout.trim()).toBe(
      `vmlinuz-5.14.0-8.el9.x86_64.PAE:initramfs-5.14.0-8.el9.x86_64.PAE.img:${root}/boot`,
    );
  });

  it("fails with a message when a Red Hat kernel has no initramfs", () => {
    const root = fakeRoot("redhat-noinitrd", ["etc/redhat-release", "boot/vmlinuz-5.14.0-9"]);
    const r = select(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Can't find an initramfs for the 5\.14\.0-9 version/);
  });

  it("uses DIB_BAREMETAL_*_PATTERN when both are set", () => {
    const root = fakeRoot("pattern", [
      "etc/debian_version",
      "boot/vmlinuz-6.1.0-10-amd64",
      "boot/custom-kernel-2",
      "boot/custom-kernel-11",
      "boot/custom-initrd-1",
    ]);
    const r = select(root, {
      DIB_BAREMETAL_KERNEL_PATTERN: "custom-kernel-*",
      DIB_BAREMETAL_INITRD_PATTERN: "custom-initrd-*",
    });
    expect(r.stdout.trim()).toBe(`custom-kernel-11:custom-initrd-1:${root}/boot`);
  });

  it("fails on an unknown distribution and when no kernel is installed", () => {
    const unknown = select(fakeRoot("unknown", ["boot/vmlinuz-1"]));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unable to detect operating system/);
    const empty = select(fakeRoot("debian-empty", ["etc/debian_version", "boot/config-1"]));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no kernel or initramfs found/);
  });
});

describe("dib-run-parts", () => {
  const hooks = path.join(tmp, "hooks");
  const phase = path.join(hooks, "install.d");
  const script = (name: string, body: string, mode = 0o755) => {
    fs.mkdirSync(path.dirname(path.join(hooks, name)), { recursive: true });
    fs.writeFileSync(path.join(hooks, name), `#!/bin/bash\n${body}\n`, { mode });
  };
  script("install.d/10-b", 'echo "b:$GREETING"');
  script("install.d/9-a", 'echo "a:$GREETING"');
  script("install.d/100-c", "echo c");
  script("install.d/50-skip.sh", "echo dotted");
  script("install.d/20-noexec", "echo noexec", 0o644);
  fs.mkdirSync(path.join(hooks, "environment.d"), { recursive: true });
  fs.writeFileSync(path.join(hooks, "environment.d", "10-greet"), "export GREETING=hi\n");
  fs.writeFileSync(path.join(hooks, "environment.d", "20-unexported"), "LOCAL_ONLY=1\n");
  const runParts = path.join(KILN_LIB_DIR, "dib-run-parts");

  it("--list prints the runnable hooks in sort -n order", () => {
    const r = bash(`"${runParts}" --list "${phase}"`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${phase}/9-a\n${phase}/10-b\n${phase}/100-c\n`);
  });

  it("sources environment.d, runs every hook, and prints a profile", () => {
    const r = bash(`"${runParts}" "${phase}"`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("a:hi\nb:hi\nc\n");
    expect(r.stderr).toMatch(/dib-run-parts Sourcing environment file .*10-greet/);
    expect(r.stderr).toMatch(/dib-run-parts Running .*\/9-a/);
    expect(r.stderr).toMatch(/dib-run-parts 100-c +\d+\.\d{3}/);
  });

  it("stops at the first failing hook with its status", () => {
    const failing = path.join(tmp, "failing", "post-install.d");
    fs.mkdirSync(failing, { recursive: true });
    fs.writeFileSync(path.join(failing, "10-fail"), "#!/bin/sh\nexit 7\n", { mode: 0o755 });
    fs.writeFileSync(path.join(failing, "20-never"), "#!/bin/sh\necho never\n", { mode: 0o755 });
    const r = bash(`"${runParts}" "${failing}"`);
    expect(r.code).toBe(7);
    expect(r.stdout).not.toMatch(/never/);
  });

  it("refuses a missing directory with usage", () => {
    const r = bash(`"${runParts}" "${tmp}/nope"`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Scripts directory \[.*nope\] must exist and be a directory/);
  });
});

describe("common-functions and defaults", () => {
  it("check_break runs the command only at a listed break point", () => {
    const r = bash(
      `source "$_LIB/common-functions"; break=after-x,before-install; ` +
        `check_break before-install echo HIT; check_break before-in echo MISS`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("HIT\n");
  });

  it("unmount_dir reports a non-directory and succeeds", () => {
    const r = bash(`set -eu; source "$_LIB/common-functions"; unmount_dir "${tmp}/absent"`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`*** ${tmp}/absent is not a directory\n`);
  });

  it("tmpfs_check honours DIB_NO_TMPFS", () => {
    const r = bash(
      `source "$_LIB/common-functions"; DIB_NO_TMPFS=1; tmpfs_check && echo yes || echo no`,
    );
    expect(r.stdout).toBe("no\n");
  });

  it("img-defaults works from a copy without $_LIB and keeps exported values", () => {
    const copy = path.join(tmp, "copied-lib");
    fs.mkdirSync(copy, { recursive: true });
    for (const f of ["common-defaults", "img-defaults"])
      fs.copyFileSync(path.join(KILN_LIB_DIR, f), path.join(copy, f));
    const r = spawnSync(
      "bash",
      ["-c", `set -eu; source "${copy}/img-defaults"; echo "$FS_TYPE $IMAGE_NAME $ARCH"`],
      {
        env: { PATH: "/usr/bin:/bin", IMAGE_NAME: "mine", ARCH: "arm64" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("ext4 mine arm64\n");
  });

  it("the sudo stand-in runs the command with the caller's environment", () => {
    const r = bash(`"$_LIB/shims/sudo" -E -n sh -c 'echo "$MARK"'`, { MARK: "kept" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("kept\n");
  });
});

describe("runtime-lib helpers", () => {
  it("installRuntimeLib puts dib-run-parts at the hooks root and the library under kiln-lib", () => {
    const hooksPath = path.join(tmp, "tree");
    installRuntimeLib(hooksPath);
    expect(fs.statSync(path.join(hooksPath, "dib-run-parts")).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(hooksPath, "kiln-lib", "img-functions"))).toBe(true);
    expect(fs.existsSync(path.join(hooksPath, "kiln-lib", "shims", "sudo"))).toBe(true);
  });

  it("DIB_PYTHON_EXEC: the caller's, else the Python of an installed DIB tree, else PATH", () => {
    const prefix = path.join(tmp, "venv");
    const elements = path.join(
      prefix,
      "lib",
      "python3.11",
      "site-packages",
      "diskimage_builder",
      "elements",
    );
    fs.mkdirSync(elements, { recursive: true });
    fs.mkdirSync(path.join(prefix, "bin"), { recursive: true });
    fs.writeFileSync(path.join(prefix, "bin", "python3"), "", { mode: 0o755 });
    expect(resolvePythonExec({ DIB_PYTHON_EXEC: "/opt/py" }, [elements])).toBe("/opt/py");
    expect(resolvePythonExec({ PATH: "/nowhere" }, ["/x", elements])).toBe(
      path.join(prefix, "bin", "python3"),
    );
    const onPath = path.join(tmp, "pathbin");
    fs.mkdirSync(onPath, { recursive: true });
    fs.writeFileSync(path.join(onPath, "python3"), "", { mode: 0o755 });
    expect(resolvePythonExec({ PATH: onPath }, ["/x"])).toBe(path.join(onPath, "python3"));
  });
});
