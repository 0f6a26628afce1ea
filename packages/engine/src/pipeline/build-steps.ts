import fs from "node:fs";
import path from "node:path";
import { HostError } from "./host/errors.ts";
import type { CommandRunner } from "./host/types.ts";

/**
 * DIB's check after root.d: the root must hold something besides
 * lost+found and tmp directories.
 */
export function assertRootDeployed(root: string): void {
  const entries = fs.existsSync(root) ? fs.readdirSync(root) : [];
  if (!entries.some((e) => e !== "lost+found" && !e.endsWith("tmp"))) {
    throw new HostError("Failed to deploy the root element: root.d left the image root empty");
  }
}

/** Before the chroot phases: keep the image's resolv.conf aside, use the host's. */
export function swapResolvConf(root: string, hostResolvConf = "/etc/resolv.conf"): void {
  const etc = path.join(root, "etc");
  fs.mkdirSync(etc, { recursive: true });
  const file = path.join(etc, "resolv.conf");
  const orig = path.join(etc, "resolv.conf.ORIG");
  if (fs.lstatSync(file, { throwIfNoEntry: false })) fs.renameSync(file, orig);
  let content = "nameserver 8.8.8.8\n";
  try {
    content = fs.readFileSync(hostResolvConf, "utf8");
  } catch {
    /* the host has none: DIB's fallback */
  }
  fs.writeFileSync(file, content);
  fs.chmodSync(file, 0o777);
}

/**
 * After cleanup.d: put the image's resolv.conf back, unless an element made
 * the build one a symlink on purpose (then the original is dropped).
 * Elements may edit resolv.conf.ORIG to control the final file.
 */
export function restoreResolvConf(root: string): void {
  const file = path.join(root, "etc", "resolv.conf");
  const orig = path.join(root, "etc", "resolv.conf.ORIG");
  const current = fs.lstatSync(file, { throwIfNoEntry: false });
  if (current?.isSymbolicLink()) {
    fs.rmSync(orig, { force: true });
    return;
  }
  fs.rmSync(file, { force: true });
  if (fs.lstatSync(orig, { throwIfNoEntry: false })) fs.renameSync(orig, file);
}

/** DIB's finalise_base: empty /tmp, truncate logs, drop root's *.log files. */
export function finaliseBase(root: string): void {
  const tmp = path.join(root, "tmp");
  for (const name of fs.existsSync(tmp) ? fs.readdirSync(tmp) : []) {
    fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
  }
  walkFiles(path.join(root, "var", "log"), (f) => fs.truncateSync(f, 0));
  walkFiles(path.join(root, "root"), (f) => {
    if (f.endsWith(".log")) fs.rmSync(f);
  });
}

function walkFiles(dir: string, fn: (file: string) => void): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walkFiles(p, fn);
    else if (entry.isFile()) fn(p);
  }
}

/** Copy a tree with everything (`cp -a`), keeping hard links, xattrs, devices. */
export async function copyTree(
  runner: CommandRunner,
  from: string,
  to: string,
  env: Record<string, string>,
): Promise<void> {
  const r = await runner.run("cp", ["-a", "--", `${from}/.`, `${to}/`], { env });
  if (r.exitCode !== 0)
    throw new HostError(`copying the root tree into the image failed (cp exit ${r.exitCode})`);
}

/** Packages installed in the image (Debian family), for the manifest. */
export async function listDebianPackages(
  runner: CommandRunner,
  root: string,
  env: Record<string, string>,
): Promise<{ name: string; version: string; arch: string }[]> {
  if (!fs.existsSync(path.join(root, "var", "lib", "dpkg", "status"))) return [];
  const out = await runner.capture(
    "dpkg-query",
    [
      "--admindir",
      path.join(root, "var", "lib", "dpkg"),
      "-W",
      "-f",
      "${Package}\t${Version}\t${Architecture}\n",
    ],
    { env },
  );
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name = "", version = "", arch = ""] = l.split("\t");
      return { name, version, arch };
    });
}
