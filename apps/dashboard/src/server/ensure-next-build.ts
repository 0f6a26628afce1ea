import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";

/** What the browser bundle is made of; the server-side code is run by tsx and needs no build. */
const INPUTS = [
  "src/app",
  "src/components",
  "src/lib",
  "next.config.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package.json",
];
const STAMP = "kiln-source-hash";

/** sha256 over the names and contents of the Next app's inputs. */
export function hashAppSources(appDir: string): string {
  const hash = createHash("sha256");
  const visit = (rel: string) => {
    const abs = path.join(appDir, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        if (name.endsWith(".test.ts") || name === "node_modules") continue;
        visit(path.join(rel, name));
      }
      return;
    }
    hash.update(`${rel}\0`).update(readFileSync(abs)).update("\0");
  };
  for (const input of INPUTS) visit(input);
  return hash.digest("hex");
}

/** How long a start waits for another process's `next build` before giving up. */
const LOCK_WAIT_MS = 10 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One `next build` at a time per app directory, across processes (two
 * servers or test files starting together on a fresh checkout would
 * otherwise write the same `.next`). A lock left by a dead process is taken over.
 */
export async function withBuildLock<T>(
  appDir: string,
  logger: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = path.join(appDir, ".next-build.lock");
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(path.join(lock, "pid"), "utf8"));
      } catch {
        // Just created, pid not written yet: wait.
      }
      if (Number.isInteger(pid) && !processAlive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`${lock}: another process has been building the dashboard for too long`);
      if (!told) logger.info("waiting for another process's dashboard build", { lock });
      told = true;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Runs `next build` unless `.next` was built from the same sources (a stamp
 * file inside `.next` holds their hash), so `npm start` works on a fresh
 * checkout and costs nothing the second time.
 */
export async function ensureNextBuild(opts: {
  appDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Build even when the stamp matches. */
  force?: boolean;
}): Promise<{ built: boolean; ms: number }> {
  return withBuildLock(opts.appDir, opts.logger, () => buildUnlessCurrent(opts));
}

async function buildUnlessCurrent(opts: Parameters<typeof ensureNextBuild>[0]) {
  const started = Date.now();
  const hash = hashAppSources(opts.appDir);
  const stampFile = path.join(opts.appDir, ".next", STAMP);
  const buildId = path.join(opts.appDir, ".next", "BUILD_ID");
  if (!opts.force && existsSync(buildId) && existsSync(stampFile)) {
    if (readFileSync(stampFile, "utf8").trim() === hash) return { built: false, ms: 0 };
  }
  opts.logger.info("building the dashboard (next build); this takes about 30 s once");
  const nextBin = createRequire(path.join(opts.appDir, "package.json")).resolve(
    "next/dist/bin/next",
  );
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: opts.appDir,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    throw new Error(
      `next build failed (exit ${code}):\n${output.join("").trim().split("\n").slice(-40).join("\n")}`,
    );
  }
  writeFileSync(stampFile, `${hash}\n`);
  const ms = Date.now() - started;
  opts.logger.info("dashboard built", { ms });
  return { built: true, ms };
}
