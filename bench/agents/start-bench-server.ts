// The agents bench's server process: the real agent gateway, tRPC at
// /api/trpc through @kiln/server/http, and the dashboard's bootstrap
// (dispatcher, offline marking, built-in catalog) on one http.Server, without
// Next. SQLite in a temp dir, or a fresh database on the PostgreSQL server of
// KILN_BENCH_PG_URL. Seeds an admin with an API token, a team and one
// registration token per agent, then reports over IPC (bench-support.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { createDb } from "@kiln/db/client";
import { migrateDatabase } from "@kiln/db/migrate";
import { createTestDatabase, type TTestDatabase } from "@kiln/db/testing";
import type { Actor, ServerDeps } from "@kiln/server/context";
import { EventBus } from "@kiln/server/event-bus";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { createTeam } from "@kiln/server/services/teams/create-team";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import type { TDashboardEnv } from "../../apps/dashboard/src/env.ts";
import { bootstrapServer } from "../../apps/dashboard/src/server/bootstrap.ts";
import { createServerLogger } from "../../apps/dashboard/src/server/create-logger.ts";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import { repoRoot, type TServerReady, type TServerStats } from "./bench-support.ts";

const AGENTS = Number(process.env.KILN_BENCH_AGENT_TOKENS ?? 0);
const PG_URL = process.env.KILN_BENCH_PG_URL;
/** What-if knob: SQLite's `synchronous` pragma for the server's connection (default: FULL). */
const SQLITE_SYNC = process.env.KILN_BENCH_SQLITE_SYNC;
const ADMIN = { email: "bench-admin@example.com", password: "bench-admin-password-1" };

const tmp = mkdtempSync(path.join(os.tmpdir(), "kiln-bench-agents-"));
let database: TTestDatabase | undefined;

async function main(): Promise<void> {
  database = PG_URL
    ? await createTestDatabase({ provider: "postgresql", adminUrl: PG_URL })
    : { provider: "sqlite", url: "file:" + path.join(tmp, "kiln.db"), drop: async () => {} };
  await migrateDatabase({ url: database.url });
  let warnings = 0;
  const base = createServerLogger({ level: "warn", format: "pretty" });
  const logger = {
    ...base,
    warn: (msg: string, fields?: Record<string, unknown>) => (warnings++, base.warn(msg, fields)),
    error: (msg: string, fields?: Record<string, unknown>) => (warnings++, base.error(msg, fields)),
  };
  const deps: ServerDeps = {
    db: createDb({ url: database.url }),
    store: createDirectoryArtifactStore({ root: path.join(tmp, "artifacts") }),
    bus: new EventBus(),
    logger,
    config: {
      version: "0.0.0-bench",
      builtinElementsDir: path.join(repoRoot, "elements"),
      keepBuildsDefault: 3,
      maxCatalogBytes: 64 << 20,
      publicUrl: "http://127.0.0.1",
      catalogCacheDir: path.join(tmp, "catalog-cache"),
    },
    now: () => new Date(),
  };
  if (SQLITE_SYNC && deps.db.provider === "sqlite") {
    // One better-sqlite3 connection per client, so the pragma holds for every later query.
    const want = SQLITE_SYNC === "normal" ? 1 : 2;
    await deps.db.prisma.$executeRawUnsafe(`PRAGMA synchronous = ${want}`);
    const [row] =
      await deps.db.prisma.$queryRawUnsafe<{ synchronous: bigint }[]>("PRAGMA synchronous");
    if (Number(row?.synchronous) !== want) throw new Error("PRAGMA synchronous did not hold");
  }
  // The dashboard's own start-up work and timers; only the admin fields of env are read.
  const stopBackground = await bootstrapServer(deps, {
    KILN_ADMIN_EMAIL: ADMIN.email,
    KILN_ADMIN_PASSWORD: ADMIN.password,
  } as TDashboardEnv);
  const user = await deps.db.prisma.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
  const admin: Actor = { userId: user.id, email: user.email, role: "admin" };
  const { token: apiToken } = await createApiToken(deps, null, { userId: user.id, name: "bench" });
  const team = await createTeam(deps, admin, { slug: "bench", name: "Bench" });
  const registrationTokens: string[] = [];
  for (let i = 0; i < AGENTS; i++)
    registrationTokens.push((await createRegistrationToken(deps, admin, {})).token);

  // The dashboard's dispatcher runs in bootstrapServer above, on its own timings.
  const api = await startApiServer({ deps });
  const { url, gateway } = api;

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on("message", (m: { type: string }) => {
    if (m.type !== "stats") return;
    const mem = process.memoryUsage();
    process.send!({
      type: "stats",
      connected: gateway.connected().length,
      heapUsedBytes: mem.heapUsed,
      externalBytes: mem.external,
      arrayBuffersBytes: mem.arrayBuffers,
      maxLoopDelayMs: loop.max / 1e6,
      p99LoopDelayMs: loop.percentile(99) / 1e6,
      warnings,
    } satisfies TServerStats);
    loop.reset();
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    stopBackground();
    await api.close();
    await deps.db.close();
    await cleanUp();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("disconnect", () => void stop());

  process.send!({
    type: "ready",
    url,
    apiToken,
    teamId: team.id,
    registrationTokens,
    provider: database.provider,
  } satisfies TServerReady);
}

async function cleanUp(): Promise<void> {
  await database?.drop().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}

main().catch(async (err: unknown) => {
  process.send?.({ type: "failed", error: String((err as Error)?.stack ?? err) });
  await cleanUp();
  process.exit(1);
});
