/**
 * Test-side handle on a `serve-kiln.ts` child process: a fresh SQLite data
 * dir seeded with an administrator, a team and an API token; start, SIGKILL
 * and restart on the same port and database; tRPC over HTTP (superjson, as
 * the dashboard's client) and read-only database access for assertions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import superjson from "superjson";
import { createDb, type Db } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import type { AppRouter } from "@kiln/server/routers/app-router";
import type { TCreateBuildInput } from "@kiln/server/services/builds/create-build";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { testServerDeps } from "@kiln/server/testing/test-server-deps";
import { FIXTURE_ELEMENTS } from "../../pipeline/fake-build.ts";
import type { TServeKilnConfig } from "./serve-kiln.ts";
import { ARCH } from "./start-test-agent.ts";
import { freePort } from "../../support/free-port.ts";

const SERVE_SCRIPT = path.join(import.meta.dirname, "serve-kiln.ts");
const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

export interface FaultServerOptions {
  /** Heartbeat told to agents (default: the gateway's 10 s). */
  heartbeatMs?: number;
  /** Grace after OFFLINE before builds are lost (default: markAgentsOffline's 3 heartbeats). */
  graceMs?: number;
  /** Offline marking and dispatch period (default 250 ms). */
  tickMs?: number;
}

export type TBuildRow = Awaited<ReturnType<Db["prisma"]["build"]["findUniqueOrThrow"]>>;

/** An ad-hoc build of the seeded team; `request` defaults to a fake-os raw image for this arch. */
export type TFaultBuild = Partial<Omit<Extract<TCreateBuildInput, { teamId: string }>, "teamId">>;

export interface FaultServer {
  url: string;
  port: number;
  dir: string;
  /** The test's own client on the server's SQLite file (reads only). */
  db: Db;
  /** `Authorization: Bearer` value of the seeded administrator's token. */
  authorization: string;
  teamId: string;
  trpc: TRPCClient<AppRouter>;
  /** The current child, if running. */
  child(): ChildProcess | undefined;
  /** Everything the server processes printed (stdout and stderr), all lives. */
  output(): string;
  /** Spawns the server and waits for "ready". */
  start(): Promise<void>;
  /** Signals the child and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  registrationToken(labels?: Record<string, string>): Promise<string>;
  build(id: string): Promise<TBuildRow>;
  /** Queues an ad-hoc build through tRPC. */
  queueBuild(o?: TFaultBuild): Promise<{ id: string }>;
  /** Polls until more than `bytes` of the build's log are stored; returns how many are. */
  waitLogBytes(id: string, bytes: number, timeoutMs: number, everyMs: number): Promise<number>;
  /** Polls the downloaded log until it holds `text`. */
  waitLogText(id: string, text: string, timeoutMs: number): Promise<string>;
  /** Polls until the build's status is one of `statuses`; returns the row. */
  waitStatus(id: string, statuses: string[], timeoutMs: number): Promise<TBuildRow>;
  /** GET /api/builds/:id/log, as bytes. */
  downloadLog(id: string): Promise<Buffer>;
  /** Stored events of a build, in seq order, as stored JSON. */
  events(id: string): Promise<{ seq: number; data: string }[]>;
  close(): Promise<void>;
}

/**
 * `fetch` on a fresh connection per request. Node's fetch reuses kept-alive
 * sockets, and on a loaded host its idle timer can fire after the server's
 * (5 s) already closed one: a spurious ECONNRESET that has nothing to do with
 * the faults under test.
 */
export async function freshFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init.headers).forEach((v, k) => headers.set(k, v));
  const body = init.body === undefined || init.body === null ? undefined : String(init.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? "GET", headers: Object.fromEntries(headers), agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("error", reject);
        res.on("end", () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
          }
          const status = res.statusCode ?? 500;
          const nullBody = status === 204 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(parts), { status, headers: h }));
        });
      },
    );
    req.on("error", reject);
    init.signal?.addEventListener("abort", () => req.destroy(new Error("aborted")), { once: true });
    req.end(body);
  });
}

export async function poll<T>(
  what: string,
  read: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(last)}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x)).slice(0, 600);
  } catch {
    return String(v);
  }
}

export async function startFaultServer(o: FaultServerOptions = {}): Promise<FaultServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-faults-"));
  const dbUrl = `file:${path.join(dir, "kiln.db")}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await migrateDatabase({ url: dbUrl });
  const db = createDb({ url: dbUrl });

  // Seed before the server runs: an administrator (with a token for tRPC) and a team.
  const p = db.prisma;
  const admin = await p.user.create({ data: { email: "admin@faults.test", role: "admin" } });
  const team = await p.team.create({ data: { slug: "faults", name: "Faults" } });
  await p.membership.create({ data: { userId: admin.id, teamId: team.id, role: "owner" } });
  const seedDeps = testServerDeps(db, {
    storeDir: path.join(dir, "seed-store"),
    config: { version: "0.0.0-faults", builtinElementsDir: FIXTURE_ELEMENTS, publicUrl: url },
  });
  const { token } = await createApiToken(seedDeps, null, {
    userId: admin.id,
    name: "faults",
    scopes: ["read", "write", "admin"],
  });
  const authorization = `Bearer ${token}`;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/api/trpc`,
        transformer: superjson,
        headers: { authorization },
        fetch: freshFetch,
      }),
    ],
  });

  const config: TServeKilnConfig = {
    dbUrl,
    storeDir: path.join(dir, "store"),
    port,
    tickMs: o.tickMs ?? 250,
    builtinElementsDir: FIXTURE_ELEMENTS,
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
  };
  let child: ChildProcess | undefined;
  let out = "";
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-300_000);
  };

  async function start(): Promise<void> {
    const c = spawn(process.execPath, ["--import", "tsx", SERVE_SCRIPT, JSON.stringify(config)], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = c;
    c.stderr!.on("data", append);
    const ready = new Promise<void>((resolve, reject) => {
      let seen = "";
      c.stdout!.on("data", (d: Buffer) => {
        append(d);
        seen += d.toString();
        if (seen.includes("ready\n")) resolve();
      });
      c.once("exit", (code, signal) =>
        reject(new Error(`kiln fault server exited (${signal ?? code}) before ready:\n${out}`)),
      );
    });
    const timer = setTimeout(() => c.kill("SIGKILL"), 60_000);
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  async function kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill(signal);
    // A graceful stop that hangs must not hang the test run.
    const force = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(force);
    child = undefined;
  }

  async function build(id: string): Promise<TBuildRow> {
    return p.build.findUniqueOrThrow({ where: { id } });
  }

  async function downloadLog(id: string): Promise<Buffer> {
    const res = await freshFetch(`${url}/api/builds/${id}/log`, { headers: { authorization } });
    if (!res.ok) throw new Error(`GET log: HTTP ${res.status}: ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  await start();
  return {
    url,
    port,
    dir,
    db,
    authorization,
    teamId: team.id,
    trpc,
    child: () => child,
    output: () => out,
    start,
    kill,
    async registrationToken(labels = {}) {
      return (await trpc.agents.createRegistrationToken.mutate({ labels })).token;
    },
    build,
    queueBuild: (o = {}) =>
      trpc.builds.create.mutate({
        teamId: team.id,
        request: { elements: ["fake-os"], arch: ARCH, skipBase: true, types: ["raw"] },
        ...o,
      }),
    waitLogBytes: (id, bytes, timeoutMs, everyMs) =>
      poll(
        `more than ${bytes} B of build ${id}'s log to be stored`,
        async () => (await build(id)).logBytes,
        (n) => n > bytes,
        timeoutMs,
        everyMs,
      ),
    waitLogText: (id, text, timeoutMs) =>
      poll(
        `build ${id}'s log to show '${text}'`,
        async () => (await downloadLog(id)).toString("latin1"),
        (log) => log.includes(text),
        timeoutMs,
        200,
      ),
    waitStatus: (id, statuses, timeoutMs) =>
      poll(
        `build ${id} to be ${statuses.join("/")}`,
        () => build(id),
        (b) => statuses.includes(b.status),
        timeoutMs,
      ),
    downloadLog,
    async events(id) {
      return p.buildEvent.findMany({
        where: { buildId: id },
        orderBy: { seq: "asc" },
        select: { seq: true, data: true },
      });
    },
    async close() {
      await kill("SIGTERM");
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
