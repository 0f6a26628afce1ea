// Times the builds list procedure (tRPC createCaller, in-process: server time)
// with 100k builds in the database: first page, filters, search and a deep
// keyset page, median of 20 runs each. SQLite always; PostgreSQL when
// KILN_TEST_DATABASE_URL names a server. Target: every median under 50 ms.
// Run: npx tsx bench/builds/list-builds.bench.ts   (KILN_BENCH_BUILDS=N to change 100000;
// KILN_BENCH_PROPOSED_INDEXES=1 adds the two indexes proposed for the model first)
import { performance } from "node:perf_hooks";
import { testProviders } from "@kiln/db/testing";
import { createFixture, type TFixture } from "@kiln/server/testing/builds-fixture";

const TOTAL = Number(process.env.KILN_BENCH_BUILDS ?? 100_000);
const BATCH = 2_000;
const RUNS = 20;
const TARGET_MS = 50;
const STATUSES = [
  "SUCCEEDED",
  "SUCCEEDED",
  "SUCCEEDED",
  "FAILED",
  "ERRORED",
  "CANCELLED",
  "QUEUED",
  "RUNNING",
];
const ELEMENTS = ["ubuntu", "debian", "centos", "vm", "nginx", "postgres", "docker", "cloud-init"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}

async function seed(f: TFixture): Promise<{ recipeIds: string[]; agentIds: string[] }> {
  const p = f.db.prisma;
  const rand = rng(7);
  const teams = [f.teamA, f.teamB];
  const recipeIds: string[] = [f.recipeId];
  for (let i = 0; i < 19; i++) {
    const r = await p.recipe.create({
      data: {
        teamId: teams[i % 2]!,
        name: `recipe-${i}`,
        visibility: i % 5 ? "private" : "public",
      },
    });
    recipeIds.push(r.id);
  }
  const recipeTeam = new Map((await p.recipe.findMany()).map((r) => [r.id, r.teamId]));
  const agentIds: string[] = [];
  for (let i = 0; i < 10; i++)
    agentIds.push((await p.agent.create({ data: { name: `bench-${i}`, arch: "amd64" } })).id);
  const users = Object.values(f.users).map((u) => u.userId);
  const start = Date.parse("2025-01-01T00:00:00Z");
  const span = 365 * 86400_000;
  for (let done = 0; done < TOTAL; done += BATCH) {
    const rows = [];
    for (let i = done; i < Math.min(TOTAL, done + BATCH); i++) {
      const recipeId = recipeIds[Math.floor(rand() * recipeIds.length)]!;
      const els = [ELEMENTS[Math.floor(rand() * 3)]!, "vm", ELEMENTS[3 + Math.floor(rand() * 5)]!];
      const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
      const queuedAt = new Date(start + Math.floor((i / TOTAL) * span) + Math.floor(rand() * 1000));
      rows.push({
        number: 1_000_000 + i,
        recipeId,
        teamId: recipeTeam.get(recipeId)!,
        request: JSON.stringify({
          elements: els,
          arch: "amd64",
          imageName: "img",
          types: ["qcow2"],
          env: [],
          agentLabels: {},
        }),
        resolvedElements: JSON.stringify(
          els.map((name) => ({
            name,
            catalogVersionId: null,
            catalogName: "core",
            catalogSha256: null,
          })),
        ),
        status,
        requestedById: users[Math.floor(rand() * users.length)]!,
        agentId: status === "QUEUED" ? null : agentIds[Math.floor(rand() * agentIds.length)]!,
        queuedAt,
        startedAt: status === "QUEUED" ? null : queuedAt,
        finishedAt: ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"].includes(status)
          ? new Date(queuedAt.getTime() + 600_000)
          : null,
      });
    }
    await p.build.createMany({ data: rows });
  }
  return { recipeIds, agentIds };
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[RUNS / 2 - 1]! + times[RUNS / 2]!) / 2;
}

let failed = false;
for (const provider of testProviders(process.env.KILN_TEST_DATABASE_URL)) {
  if (provider.skipReason) {
    console.log(`${provider.provider}: skipped (${provider.skipReason})`);
    continue;
  }
  const f = await createFixture(provider);
  try {
    const t0 = performance.now();
    const { recipeIds, agentIds } = await seed(f);
    console.log(
      `${provider.provider}: inserted ${TOTAL} builds in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (process.env.KILN_BENCH_PROPOSED_INDEXES === "1") {
      // Indexes proposed for prisma/models.prisma (not in the migrations yet):
      // the agent and requester filters then walk (x, queuedAt) instead of sorting all matches.
      await f.db.prisma.$executeRawUnsafe(
        'CREATE INDEX "bench_agent_queued" ON "Build" ("agentId", "queuedAt")',
      );
      await f.db.prisma.$executeRawUnsafe(
        'CREATE INDEX "bench_requester_queued" ON "Build" ("requestedById", "queuedAt")',
      );
      console.log(
        `${provider.provider}: with the proposed (agentId, queuedAt) and (requestedById, queuedAt) indexes`,
      );
    }
    if (provider.provider === "postgresql") await f.db.prisma.$executeRawUnsafe('ANALYZE "Build"');
    else await f.db.prisma.$executeRawUnsafe("ANALYZE");
    const admin = f.caller(f.users.admin);
    const alice = f.caller(f.users.alice);
    const deep = await (async () => {
      let cursor: string | null = null;
      for (let i = 0; i < 40; i++)
        cursor = (await alice.builds.list({ limit: 50, ...(cursor ? { cursor } : {}) })).nextCursor;
      return cursor!;
    })();
    const cases: [string, () => Promise<unknown>][] = [
      ["admin, first page", () => admin.builds.list({})],
      ["member, first page (visibility)", () => alice.builds.list({})],
      [
        "member, recipe + status",
        () => alice.builds.list({ recipeId: recipeIds[0]!, status: ["SUCCEEDED"] }),
      ],
      [
        "member, status FAILED + date range",
        () =>
          alice.builds.list({
            status: ["FAILED"],
            from: new Date("2025-06-01"),
            to: new Date("2025-07-01"),
          }),
      ],
      ["member, agent", () => alice.builds.list({ agentId: agentIds[3]! })],
      ["member, requested by", () => alice.builds.list({ requestedById: f.users.victor.userId })],
      ["member, search element 'postg'", () => alice.builds.list({ q: "postg" })],
      ["member, search recipe 'recipe-1'", () => alice.builds.list({ q: "recipe-1" })],
      ["member, search #1050000", () => alice.builds.list({ q: "#1050000" })],
      ["member, page 41 (keyset cursor)", () => alice.builds.list({ cursor: deep })],
    ];
    console.log(
      `\n${provider.provider}, ${TOTAL} builds, median of ${RUNS} (target < ${TARGET_MS} ms)`,
    );
    for (const [name, fn] of cases) {
      const ms = await median(fn);
      if (ms >= TARGET_MS) failed = true;
      console.log(
        `  ${name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms${ms >= TARGET_MS ? "  OVER TARGET" : ""}`,
      );
    }
    console.log("");
  } finally {
    await f.close();
  }
}
if (failed) process.exitCode = 1;
