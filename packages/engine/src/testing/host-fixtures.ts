/**
 * Test support for the host layer: temp dirs, a tiny chroot, a partitioned
 * sparse image, and a last-resort cleanup that does not rely on the code
 * under test, so a failing test never leaves mounts or loops on the machine.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseProcMounts } from "../pipeline/host/mounts.ts";
import { HOST_PATH } from "../pipeline/host/run-command.ts";

export const hostEnv = { PATH: HOST_PATH, LC_ALL: "C" };

/** A fresh real directory under the OS temp dir. */
export function makeTempDir(prefix = "kiln-host-"): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Mount targets at or beneath `dir`, read straight from /proc/mounts. */
export function mountsAt(dir: string): string[] {
  return parseProcMounts(fs.readFileSync("/proc/mounts", "utf8"))
    .map((m) => m.target)
    .filter((t) => t === dir || t.startsWith(dir + "/"));
}

/** Lines of `losetup -a` that mention `dir`. */
export function loopsAt(dir: string): string[] {
  const out = execFileSync("losetup", ["-a"], { env: hostEnv, encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(dir + "/"));
}

function quiet(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { env: hostEnv, stdio: "ignore" });
  } catch {
    // best effort
  }
}

/**
 * Kill, detach, lazily unmount and remove everything of `dir` using plain
 * commands, independent of the code under test. Loops go first: once the
 * tmpfs holding a backing file is lazily unmounted, `losetup` no longer shows
 * the file under `dir` and the loop would leak. A loop still in use is only
 * marked auto-clear and goes when its last mount does.
 */
export function forceCleanup(dir: string, pids: number[] = []): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const line of loopsAt(dir)) quiet("losetup", ["-d", line.split(":")[0]!]);
  for (const t of mountsAt(dir).reverse()) quiet("umount", ["-l", t]);
  for (const t of mountsAt(dir).reverse()) quiet("umount", ["-l", t]);
  if (mountsAt(dir).length === 0) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A minimal chroot at `root`: the host /usr bind-mounted read-only, and the
 * merged-/usr symlinks (or read-only binds where the host has real dirs).
 * Returns the mount targets made, innermost last.
 */
export function makeTinyChroot(root: string): string[] {
  const made: string[] = [];
  const bindRo = (src: string, dst: string) => {
    fs.mkdirSync(dst, { recursive: true });
    execFileSync("mount", ["--bind", src, dst], { env: hostEnv });
    made.push(dst);
    execFileSync("mount", ["-o", "remount,bind,ro", dst], { env: hostEnv });
  };
  bindRo("/usr", path.join(root, "usr"));
  for (const name of ["bin", "sbin", "lib", "lib64", "lib32"]) {
    const host = path.join("/", name);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(host), path.join(root, name));
    else bindRo(host, path.join(root, name));
  }
  for (const d of ["proc", "dev", "sys", "tmp"])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  return made;
}

/** Start `chroot root sleep 60` in its own session, as a hook's leftover would be. */
export function startChrootedSleep(root: string): ChildProcess {
  const child = spawn("chroot", [root, "sleep", "60"], {
    env: hostEnv,
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child;
}

/** Wait until `pred` holds (polling), or throw after `ms`. */
export async function waitFor(pred: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A sparse 64 MiB file with an MBR table of two partitions (sfdisk). */
export function makePartitionedImage(file: string): void {
  fs.closeSync(fs.openSync(file, "w"));
  fs.truncateSync(file, 64 * 1024 * 1024);
  execFileSync("sfdisk", ["--quiet", file], { env: hostEnv, input: "label: dos\n,24M\n,\n" });
}

function findUp(from: string, rel: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const p = path.join(dir, rel);
    if (fs.existsSync(p)) return p;
    if (path.dirname(dir) === dir) throw new Error(`${rel} not found above ${from}`);
  }
}

/**
 * Start `fixtures/<name>.ts` under node with the tsx loader. Node itself, not
 * the tsx launcher (which forks a second process), so a signal sent to the
 * child reaches the process that owns the build.
 */
export function spawnFixture(name: string, args: string[]) {
  const repo = path.dirname(path.dirname(findUp(import.meta.dirname, "node_modules/tsx")));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "fixtures", `${name}.ts`), ...args],
    {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let pending = "";
  child.stdout!.on("data", (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  /** Resolve with the first stdout line matching `pred`; reject if the child exits first. */
  const waitLine = (pred: (l: string) => boolean, ms = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fixture ${name}: no matching line; stderr: ${stderr}`)),
        ms,
      );
      const check = () => {
        const hit = lines.find(pred);
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
      void exited.then(() => {
        const hit = lines.find(pred);
        clearTimeout(timer);
        if (hit !== undefined) resolve(hit);
        else reject(new Error(`fixture ${name} exited; stderr: ${stderr}`));
      });
    });
  return { child, exited, waitLine, stderr: () => stderr };
}
