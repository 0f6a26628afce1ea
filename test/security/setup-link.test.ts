/**
 * The one-time setup link signs in as the first administrator until used, so
 * it must never reach the server's log (collected, shipped, kept). The real
 * server process is started with its output piped, as a service manager or
 * `docker compose` would capture it; the link must be in a 0600 file in the
 * data directory instead, and must work.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@kiln/db/client";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import { testServerDeps } from "@kiln/server/testing/test-server-deps";
import { freePort } from "../support/free-port.ts";
import { mutate } from "./support/trpc-over-http.ts";

const repoRoot = path.resolve(import.meta.dirname, "..", "..");

/**
 * Runs apps/dashboard/server.ts until it exits or says it is serving; returns
 * everything it wrote to stdout and stderr. The pages are not built
 * (KILN_SKIP_NEXT_BUILD): without a `.next` the start stops after the
 * bootstrap, which is where the link is made.
 */
async function runServerStart(dataDir: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/dashboard/server.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      KILN_DATA_DIR: dataDir,
      DATABASE_URL: "",
      KILN_ADMIN_EMAIL: "",
      KILN_ADMIN_PASSWORD: "",
      KILN_LOCAL_AGENT: "off",
      KILN_SKIP_NEXT_BUILD: "1",
      KILN_LOG_LEVEL: "debug",
      KILN_LOG_FORMAT: "json",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes("Kiln is serving")) child.kill("SIGTERM");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  await new Promise((resolve) => child.once("close", resolve));
  clearTimeout(killer);
  return output;
}

describe("the one-time setup link", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "kiln-setup-link-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  // JSON lines: the format a container's log collector ships (docker/server.Dockerfile).
  it("stays out of the log and sits in a 0600 file that works", async () => {
    const output = await runServerStart(dataDir);

    expect(output).not.toMatch(/setup\?token=/);
    const file = path.join(dataDir, "setup-link.txt");
    expect(output).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const link = readFileSync(file, "utf8").trim();
    const token = new URL(link).searchParams.get("token")!;
    expect(token.length).toBeGreaterThan(20);
    expect(output).not.toContain(token);

    // The link in the file is the live one: it creates the administrator.
    const db = createDb({ url: `file:${path.join(dataDir, "kiln.db")}` });
    const deps = testServerDeps(db, { storeDir: path.join(dataDir, "artifacts") });
    const server = await startApiServer({ deps });
    try {
      const done = await mutate(server.url, "auth.completeSetup", {
        token,
        email: "root@example.com",
        password: "a long first password",
      });
      expect(done.status).toBe(200);
    } finally {
      await server.close();
      await db.close();
    }
  }, 120_000);
});
