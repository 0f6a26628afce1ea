/**
 * Finding and killing host processes through /proc. `fuser` is not on every
 * build host, and it would not see a process by its chroot, so the layer reads
 * /proc itself.
 */
import fs from "node:fs";
import path from "node:path";

/** A process this layer signalled. */
export interface KilledProcess {
  pid: number;
  /** `/proc/PID/comm` at the time it was found ("?" if it was already gone). */
  comm: string;
  /** The strongest signal that was needed: SIGKILL if SIGTERM was not enough. */
  signal: "SIGTERM" | "SIGKILL";
}

/** How a process refers to a path: its root, cwd, executable, an open fd or a mapped file. */
export type ProcessLink = "root" | "cwd" | "exe" | "fd" | "map";

/** Numeric /proc entries, i.e. every process visible to us. */
export function listPids(procDir = "/proc"): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync(procDir)) {
    if (/^[0-9]+$/.test(name)) pids.push(Number(name));
  }
  return pids;
}

/** The short command name, or "?" when the process is gone or unreadable. */
export function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/**
 * True while the process exists and is not a zombie. `process.kill(pid, 0)`
 * alone reports zombies as alive, and in a container whose pid 1 does not
 * reap, killed orphans stay zombies forever.
 */
export function isProcessAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // The state follows the parenthesised comm, which may itself contain ") ".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Live (non-zombie) members of process group `pgid`. */
export function listGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const pid of listPids()) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // After "comm)": state, ppid, pgrp.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") members.push(pid);
  }
  return members;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); tells a reused pid apart. */
export function readStartTime(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state), so field 22 is fields[19].
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readLinkQuiet(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** The kernel appends " (deleted)" to links of unlinked files; strip it for prefix tests. */
export function stripDeleted(p: string): string {
  return p.endsWith(" (deleted)") ? p.slice(0, -" (deleted)".length) : p;
}

/** True when `p` is `dir` itself or lies beneath it (both absolute, normalised). */
export function isPathWithin(p: string, dir: string): boolean {
  if (dir === "/") return p.startsWith("/");
  return p === dir || p.startsWith(dir + "/");
}

/**
 * Which links of one process point at or beneath `dir`. Unreadable entries
 * (kernel threads, processes that just exited) count as "no link".
 */
export function processLinksWithin(pid: number, dir: string, kinds: ProcessLink[]): ProcessLink[] {
  const found: ProcessLink[] = [];
  const base = `/proc/${pid}`;
  const test = (link: string | undefined) =>
    link !== undefined && isPathWithin(stripDeleted(link), dir);
  for (const kind of kinds) {
    if (kind === "root" || kind === "cwd" || kind === "exe") {
      if (test(readLinkQuiet(`${base}/${kind}`))) found.push(kind);
    } else if (kind === "fd") {
      let fds: string[] = [];
      try {
        fds = fs.readdirSync(`${base}/fd`);
      } catch {
        continue;
      }
      if (fds.some((fd) => test(readLinkQuiet(path.join(base, "fd", fd))))) found.push("fd");
    } else {
      let maps = "";
      try {
        maps = fs.readFileSync(`${base}/maps`, "utf8");
      } catch {
        continue;
      }
      const hit = maps.split("\n").some((line) => {
        const slash = line.indexOf("/");
        return slash >= 0 && test(line.slice(slash));
      });
      if (hit) found.push("map");
    }
  }
  return found;
}

/** Processes (other than this one) holding any of `kinds` at or beneath `dir`. */
export function findProcessesWithin(
  dir: string,
  kinds: ProcessLink[] = ["root", "cwd", "exe", "fd", "map"],
): { pid: number; comm: string; links: ProcessLink[] }[] {
  const out: { pid: number; comm: string; links: ProcessLink[] }[] = [];
  for (const pid of listPids()) {
    // Never this process, and never init: killing either takes the whole host job down.
    if (pid === process.pid || pid === 1) continue;
    const links = processLinksWithin(pid, dir, kinds);
    if (links.length > 0) out.push({ pid, comm: readComm(pid), links });
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone (ESRCH) is the outcome we wanted.
  }
}

/**
 * SIGTERM each pid, wait up to `graceMs` for all to go, SIGKILL the rest and
 * wait up to one more second. Returns every pid that was alive at the start.
 */
export async function killPids(pids: number[], graceMs = 3000): Promise<KilledProcess[]> {
  const alive = pids.filter(isProcessAlive);
  const killed = new Map<number, KilledProcess>();
  for (const pid of alive) {
    killed.set(pid, { pid, comm: readComm(pid), signal: "SIGTERM" });
    signal(pid, "SIGTERM");
  }
  const deadline = Date.now() + graceMs;
  while (alive.some(isProcessAlive) && Date.now() < deadline) await sleep(25);
  const stubborn = alive.filter(isProcessAlive);
  for (const pid of stubborn) {
    killed.get(pid)!.signal = "SIGKILL";
    signal(pid, "SIGKILL");
  }
  const killDeadline = Date.now() + 1000;
  while (stubborn.some(isProcessAlive) && Date.now() < killDeadline) await sleep(25);
  return [...killed.values()];
}
