import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../support/free-port.ts";

export interface TKilnServer {
  url: string;
  dataDir: string;
  /** The one-time setup link the server wrote to its data dir at start (no KILN_ADMIN_* given). */
  setupUrl?: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname, "..", "..", "..");

/**
 * The real server (`apps/dashboard/server.ts` under tsx, as `npm start` runs
 * it) on a free port with a fresh SQLite data dir. Resolves once /api/health
 * answers; the first start includes `next build` unless `.next` is current.
 */
export async function startKilnServer(
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<TKilnServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "kiln-browser-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = "";
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "apps/dashboard/server.ts"],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        KILN_DATA_DIR: dataDir,
        DATABASE_URL: "",
        KILN_LOG_LEVEL: "info",
        // The tests drive builds themselves; a real local agent would pick them up.
        KILN_LOCAL_AGENT: "off",
        NODE_ENV: "production",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: false,
    },
  );
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));

  const deadline = Date.now() + (opts.timeoutMs ?? 150_000);
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("wait"), 250))]);
    if (code !== "wait") throw new Error(`kiln server exited (${code}) before serving:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`kiln server did not answer /api/health in time:\n${out}`);
    }
  }
  return {
    url,
    dataDir,
    setupUrl: readSetupLink(dataDir),
    output: () => out,
    /** Stops the server and removes its data dir. */
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The setup link the server left in its data dir (apps/dashboard/src/server/setup-link.ts). */
function readSetupLink(dataDir: string): string | undefined {
  const file = path.join(dataDir, "setup-link.txt");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}
