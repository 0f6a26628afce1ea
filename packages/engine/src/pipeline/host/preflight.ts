/**
 * Pre-flight checks before a build touches the host: every problem is found
 * and reported at once, one per line, so an operator fixes them in one go.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { HostError } from "./errors.ts";
import { HOST_PATH } from "./run-command.ts";

/** Debian package providing each host tool a build may need (the one table). */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  "qemu-img": "qemu-utils",
  "qemu-nbd": "qemu-utils",
  losetup: "mount",
  mount: "mount",
  umount: "mount",
  partx: "util-linux",
  findmnt: "util-linux",
  blkid: "util-linux",
  wipefs: "util-linux",
  lsblk: "util-linux",
  mkswap: "util-linux",
  sfdisk: "fdisk",
  sgdisk: "gdisk",
  "mkfs.ext2": "e2fsprogs",
  "mkfs.ext3": "e2fsprogs",
  "mkfs.ext4": "e2fsprogs",
  e2fsck: "e2fsprogs",
  tune2fs: "e2fsprogs",
  resize2fs: "e2fsprogs",
  "mkfs.xfs": "xfsprogs",
  xfs_admin: "xfsprogs",
  "mkfs.vfat": "dosfstools",
  "mkfs.btrfs": "btrfs-progs",
  chroot: "coreutils",
  dd: "coreutils",
  sha256sum: "coreutils",
  md5sum: "coreutils",
  rm: "coreutils",
  sync: "coreutils",
  tar: "tar",
  gzip: "gzip",
  xz: "xz-utils",
  zstd: "zstd",
  cpio: "cpio",
  rsync: "rsync",
  fuser: "psmisc",
  udevadm: "udev",
  debootstrap: "debootstrap",
  mksquashfs: "squashfs-tools",
  bash: "bash",
  sudo: "sudo",
};

/** Tools every Kiln build uses through this layer. */
export const BASE_TOOLS = ["mount", "umount", "losetup", "partx", "findmnt", "chroot", "rm"];

export interface HostCheckOptions {
  /** Require uid 0. */
  root?: boolean;
  /** Executables that must be on `path`. */
  tools?: string[];
  /** Loop devices that must be free (or creatable through /dev/loop-control). */
  loopDevices?: number;
  /** Free space each directory must have (the nearest existing ancestor is measured). */
  space?: { dir: string; bytes: number }[];
  /** PATH to search for tools (default: the host PATH of the runner). */
  path?: string;
  /** uid to judge (default: this process's). */
  uid?: number;
  /** Roots of /sys and /dev, for tests (default "/sys", "/dev"). */
  sysDir?: string;
  devDir?: string;
}

/** Absolute path of `tool` on `searchPath`, or undefined. */
export function findTool(tool: string, searchPath = HOST_PATH): string | undefined {
  for (const dir of searchPath.split(":").filter(Boolean)) {
    const p = path.join(dir, tool);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Free loop devices: existing unbound nodes, and whether the kernel can make more. */
export function countLoopDevices(sysDir = "/sys", devDir = "/dev") {
  let total = 0;
  let free = 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(sysDir, "block"));
  } catch {
    // no sysfs: nothing countable
  }
  for (const name of names) {
    if (!/^loop[0-9]+$/.test(name)) continue;
    total++;
    const bound = fs.existsSync(path.join(sysDir, "block", name, "loop", "backing_file"));
    if (!bound && fs.existsSync(path.join(devDir, name))) free++;
  }
  let maxLoop = 0;
  try {
    maxLoop = Number(fs.readFileSync(path.join(sysDir, "module/loop/parameters/max_loop"), "utf8"));
  } catch {
    // built-in loop driver or no sysfs: no cap we can read
  }
  const control = fs.existsSync(path.join(devDir, "loop-control"));
  // With a max_loop cap the kernel will not create devices beyond it.
  const canCreate = control && (maxLoop === 0 || total < maxLoop);
  return { total, free, control, canCreate };
}

const GiB = 1024 ** 3;

/** "1.2 GiB", "4 GiB", "512 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${Number((bytes / GiB).toFixed(1))} GiB`;
  return `${Number((bytes / 1024 ** 2).toFixed(1))} MiB`;
}

function nearestExisting(dir: string): string {
  let p = path.resolve(dir);
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}

/** Every problem the host has for a build, one line each (empty when ready). */
export function findHostProblems(opts: HostCheckOptions): string[] {
  const problems: string[] = [];
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  if (opts.root && uid !== 0) problems.push("not running as root");
  for (const tool of opts.tools ?? []) {
    if (findTool(tool, opts.path) !== undefined) continue;
    const pkg = TOOL_PACKAGES[tool];
    problems.push(`missing tool: ${tool}` + (pkg ? ` (apt-get install ${pkg})` : ""));
  }
  const wanted = opts.loopDevices ?? 0;
  if (wanted > 0) {
    const loops = countLoopDevices(opts.sysDir, opts.devDir);
    if (loops.free < wanted && !loops.canCreate) {
      const control = loops.control
        ? "/dev/loop-control cannot create more"
        : "/dev/loop-control missing";
      problems.push(
        `no free loop device (${control}; ${loops.free} of ${loops.total} free, ${wanted} needed)`,
      );
    }
  }
  for (const { dir, bytes } of opts.space ?? []) {
    const at = nearestExisting(dir);
    let free: number;
    try {
      const st = fs.statfsSync(at);
      free = st.bavail * st.bsize;
    } catch (err) {
      problems.push(`cannot measure free space in ${dir}: ${(err as Error).message}`);
      continue;
    }
    if (free < bytes) {
      problems.push(
        `not enough free space in ${dir}: ${formatBytes(free)} free, ${formatBytes(bytes)} needed`,
      );
    }
  }
  return problems;
}

/** Thrown by `checkHost`: the host lacks something a build needs; one problem per line. */
export class HostNotReadyError extends HostError {
  constructor(readonly problems: string[]) {
    super(`host is not ready for a build:\n  ${problems.join("\n  ")}`);
  }
}

/** Throws `HostNotReadyError` (code HOST) listing every problem; returns when the host is ready. */
export function checkHost(opts: HostCheckOptions): void {
  const problems = findHostProblems(opts);
  if (problems.length > 0) throw new HostNotReadyError(problems);
}

/** A host-side hook of the build, as the plan lists it. */
export interface HostHookRef {
  phase: string;
  element: string;
  /** File name in the phase directory. */
  name: string;
  /** Absolute path of the hook inside its element. */
  path: string;
}

/** A hook that runs Python on the build host, and the modules it imports. */
export interface PythonNeed {
  hook: HostHookRef;
  modules: string[];
}

const HOST_PHASES = new Set([
  "root.d",
  "extra-data.d",
  "post-root.d",
  "block-device.d",
  "pre-finalise.d",
  "cleanup.d",
]);

function readHead(file: string, bytes = 64 * 1024): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(bytes);
      return buf.toString("utf8", 0, fs.readSync(fd, buf, 0, bytes, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "";
  }
}

const IMPORTS_DIB = /^\s*(?:from|import)\s+diskimage_builder\b/m;

/**
 * Host-side hooks that need Python: a `python` shebang, or a shell hook that
 * runs a tool with `$DIB_PYTHON_EXEC` (DIB's package-installs does). They
 * need PyYAML, and DIB's own package when the hook or its element's `bin/`
 * tools import it (true of DIB's package-installs-squash).
 */
export function findPythonNeeds(hooks: HostHookRef[]): PythonNeed[] {
  const needs: PythonNeed[] = [];
  for (const hook of hooks) {
    if (!HOST_PHASES.has(hook.phase)) continue;
    const text = readHead(hook.path);
    const firstLine = text.split("\n", 1)[0] ?? "";
    const python = firstLine.startsWith("#!") && firstLine.includes("python");
    if (!python && !/DIB_PYTHON_EXEC/.test(text)) continue;
    const modules = ["yaml"];
    const binDir = path.join(path.dirname(path.dirname(hook.path)), "bin");
    let tools: string[] = [];
    try {
      tools = fs.readdirSync(binDir).map((n) => path.join(binDir, n));
    } catch {
      // no bin/ in this element
    }
    if ([hook.path, ...tools].some((f) => IMPORTS_DIB.test(readHead(f))))
      modules.push("diskimage_builder");
    needs.push({ hook, modules });
  }
  return needs;
}

/**
 * Runs `python -c CODE`, with `env` when given (the environment host hooks
 * get); true when it exits 0. Injectable for tests.
 */
export type PythonProbe = (python: string, code: string, env?: Record<string, string>) => boolean;

const defaultProbe: PythonProbe = (python, code, env) =>
  spawnSync(python, ["-c", code], {
    stdio: "ignore",
    timeout: 30_000,
    // Typed as NodeJS.ProcessEnv, which some ambient types (Next.js) extend with required keys.
    env: env as NodeJS.ProcessEnv | undefined,
  }).status === 0;

const MODULE_HELP: Record<string, string> = {
  yaml: "apt-get install python3-yaml",
  diskimage_builder:
    "set DIB_PYTHON_EXEC to the Python diskimage-builder is installed for, or apt-get install python3-diskimage-builder",
};

/**
 * Problems running the build's host-side Python hooks with `python`
 * (DIB_PYTHON_EXEC), one line each, naming the hooks that need what is
 * missing. Empty when there is nothing to check or all is there.
 */
export function findPythonProblems(o: {
  python: string;
  hooks: HostHookRef[];
  /** The environment host hooks run Python with; default: this process's. */
  env?: Record<string, string>;
  probe?: PythonProbe;
}): string[] {
  const needs = findPythonNeeds(o.hooks);
  if (needs.length === 0) return [];
  const probe = o.probe ?? defaultProbe;
  const name = (n: PythonNeed) => `${n.hook.element}/${n.hook.phase}/${n.hook.name}`;
  if (!probe(o.python, "pass", o.env)) {
    return [
      `python not runnable: ${o.python} (DIB_PYTHON_EXEC), needed by ${needs.map(name).join(", ")} (apt-get install python3)`,
    ];
  }
  const problems: string[] = [];
  for (const mod of ["yaml", "diskimage_builder"]) {
    const users = needs.filter((n) => n.modules.includes(mod));
    if (users.length === 0 || probe(o.python, `import ${mod}`, o.env)) continue;
    problems.push(
      `${o.python} (DIB_PYTHON_EXEC) cannot import ${mod}, needed by ${users.map(name).join(", ")} (${MODULE_HELP[mod]})`,
    );
  }
  return problems;
}

/** Throws `HostNotReadyError` when the build's host-side Python hooks cannot run. */
export function checkPythonHooks(o: Parameters<typeof findPythonProblems>[0]): void {
  const problems = findPythonProblems(o);
  if (problems.length > 0) throw new HostNotReadyError(problems);
}
