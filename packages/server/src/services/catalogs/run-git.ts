/**
 * git for catalog imports, cut off from the server's own identity: an empty
 * HOME and no global or system config (so no credential helpers, no
 * ~/.ssh, no url rewrites or extra headers), no prompts, no hooks, only the
 * https transport (file too for an administrator's local path), no redirects,
 * and, for a network fetch, the checked addresses pinned. A fetch has a time
 * cap and a size cap. Failures are reported by kind with fixed text: what the
 * remote said never reaches the caller.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { AppError } from "../../app-error.ts";

export interface TGitSandbox {
  /** The scratch repository. */
  repo: string;
  /** An empty directory used as HOME. */
  home: string;
  /** Whether the file transport is on (an administrator's local path). */
  allowFile: boolean;
  /** `host:port:addresses` to pin the remote's host to. */
  pin?: string;
  /** PEM bundle git trusts for https instead of the system's. */
  caFile?: string;
}

/** Where git is looked for (git finds its helpers through its own exec path). */
const GIT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The environment git runs with: nothing inherited from the server's. */
export function gitEnv(home: string): Record<string, string> {
  return {
    PATH: GIT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    LC_ALL: "C",
  };
}

/** `-c` settings for every git call of an import. */
export function gitConfigArgs(sandbox: TGitSandbox): string[] {
  const settings = [
    "protocol.allow=never",
    "protocol.https.allow=always",
    `protocol.file.allow=${sandbox.allowFile ? "always" : "never"}`,
    "http.followRedirects=false",
    "credential.helper=",
    "core.askPass=/bin/false",
    "core.hooksPath=/dev/null",
    // A remote that stalls (slowloris) is dropped long before the overall time cap.
    "http.lowSpeedLimit=1000",
    "http.lowSpeedTime=60",
    ...(sandbox.pin ? [`http.curloptResolve=${sandbox.pin}`] : []),
    ...(sandbox.caFile ? [`http.sslCAInfo=${sandbox.caFile}`] : []),
  ];
  return settings.flatMap((setting) => ["-c", setting]);
}

/** Starts git in the sandbox (streamed output; the caller awaits or kills it). */
export function spawnGit(sandbox: TGitSandbox, args: string[], timeoutMs: number) {
  return execa("git", [...gitConfigArgs(sandbox), "-C", sandbox.repo, ...args], {
    reject: false,
    buffer: false,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    timeout: timeoutMs,
    env: gitEnv(sandbox.home),
    extendEnv: false,
  });
}

/** Runs one local git step; a failure is `message`, never git's own text. */
export async function runGit(
  sandbox: TGitSandbox,
  args: string[],
  failure: { message: string; field: string },
): Promise<string> {
  const result = await execa("git", [...gitConfigArgs(sandbox), "-C", sandbox.repo, ...args], {
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
    env: gitEnv(sandbox.home),
    extendEnv: false,
  });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new AppError("INVALID_INPUT", failure.message, failure.field);
  }
  return String(result.stdout);
}

export interface TFetchOptions {
  url: string;
  ref: string;
  timeoutMs: number;
  maxBytes: number;
}

/** `git fetch --depth 1` of one ref, killed past the time or size cap. */
export async function fetchRef(sandbox: TGitSandbox, options: TFetchOptions): Promise<void> {
  const child = execa(
    "git",
    [
      ...gitConfigArgs(sandbox),
      "-C",
      sandbox.repo,
      "fetch",
      "--depth",
      "1",
      "--no-tags",
      "--no-recurse-submodules",
      "--",
      options.url,
      options.ref,
    ],
    {
      reject: false,
      stdin: "ignore",
      env: gitEnv(sandbox.home),
      extendEnv: false,
      // Its own process group: git's transport helper must die with it.
      detached: true,
    },
  );
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  let tooLarge = false;
  let timedOut = false;
  const watch = setInterval(() => {
    void directoryBytes(sandbox.repo).then((bytes) => {
      if (bytes > options.maxBytes && !tooLarge) {
        tooLarge = true;
        killGroup();
      }
    });
  }, 200);
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  let result;
  try {
    result = await child;
  } finally {
    clearInterval(watch);
    clearTimeout(timer);
  }
  // A fetch that finished between two looks is weighed once more.
  if (tooLarge || (await directoryBytes(sandbox.repo)) > options.maxBytes) {
    throw fetchFailed(`the repository is larger than ${options.maxBytes} bytes`, "url");
  }
  if (timedOut) {
    throw fetchFailed(
      `the fetch took longer than ${Math.round(options.timeoutMs / 1000)} s`,
      "url",
    );
  }
  if (result.exitCode === 0) return;
  const said = String(result.stderr);
  if (/couldn't find remote ref/i.test(said)) {
    throw fetchFailed(`ref '${options.ref}' is not in the repository`, "ref");
  }
  if (
    /authentication|username|password|terminal prompts disabled|not found|error: 40[134]/i.test(
      said,
    )
  ) {
    throw fetchFailed(
      "the repository was not found, or it needs credentials (Kiln sends none)",
      "url",
    );
  }
  throw fetchFailed("no git repository could be fetched from that URL", "url");
}

function fetchFailed(why: string, field: string): AppError {
  return new AppError("INVALID_INPUT", `git import failed: ${why}`, field);
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    try {
      total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
    } catch {
      // Removed meanwhile (git renames its temp files).
    }
  }
  return total;
}
