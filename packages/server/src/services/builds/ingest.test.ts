import { beforeAll, describe, expect, it } from "vitest";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { appendLogChunk } from "./append-log-chunk.ts";
import { statusFromFinished } from "@kiln/contracts/build-status";
import { finishBuild } from "./build-transitions.ts";
import { recordArtifact, recordManifest } from "./record-artifact.ts";
import { recordBuildEvent } from "./record-build-event.ts";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";

describe("statusFromFinished", () => {
  it("maps every pipeline outcome to one status", () => {
    expect(
      ["succeeded", "failed", "errored", "cancelled"].map((s) => statusFromFinished(s as never)),
    ).toEqual(["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"]);
  });
});

describeEachProvider("ingestion", (provider, run) => {
  const f = useFixture(provider, createFixture);
  let agentId: string;
  beforeAll(async () => {
    if (provider.skipReason) return;
    agentId = await addAgent(f, "ingest-agent");
  });

  async function assignedBuild() {
    const { id } = await f
      .caller(f.users.alice)
      .builds.create({ recipeVersionId: f.recipeVersionId });
    await f.db.prisma.build.update({ where: { id }, data: { status: "ASSIGNED", agentId } });
    return id;
  }

  run("stores log chunks once per (build, seq) and publishes new ones", async () => {
    const id = await assignedBuild();
    const data = Buffer.from("line one\n");
    expect(await appendLogChunk(f.deps, { buildId: id, seq: 0, offset: 0, data, agentId })).toEqual(
      { stored: true, logBytes: 9 },
    );
    expect(await appendLogChunk(f.deps, { buildId: id, seq: 0, offset: 0, data, agentId })).toEqual(
      { stored: false, logBytes: 9 },
    );
    await appendLogChunk(f.deps, { buildId: id, seq: 1, offset: 9, data: Buffer.from("two\n") });
    expect(await f.db.prisma.logChunk.count({ where: { buildId: id } })).toBe(2);
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).logBytes).toBe(13);
    const logs = f.published(`build:${id}`).filter((m) => (m as { kind: string }).kind === "log");
    expect(logs).toHaveLength(2);
    await expect(
      appendLogChunk(f.deps, {
        buildId: id,
        seq: 2,
        offset: 13,
        data: Buffer.from("x"),
        agentId: "someone-else",
      }),
    ).rejects.toThrow(/not assigned to this agent/);
    await expect(appendLogChunk(f.deps, { buildId: id, seq: -1, offset: 0, data })).rejects.toThrow(
      /seq/,
    );
  });

  run("chunks arriving together are written as one batch, each answered on its own", async () => {
    const a = await assignedBuild();
    const b = await assignedBuild();
    const chunk = (buildId: string, seq: number, offset: number, text: string, who = agentId) =>
      appendLogChunk(f.deps, {
        buildId,
        seq,
        offset,
        data: Buffer.from(text),
        agentId: who,
      });
    // All issued in one tick: one batch.
    const results = await Promise.allSettled([
      chunk(a, 0, 0, "a0\n"),
      chunk(b, 0, 0, "b0-longer\n"),
      chunk(a, 1, 3, "a1\n"),
      chunk(a, 1, 3, "a1\n"), // a resend racing its original
      chunk("no-such-build", 0, 0, "x"),
      chunk(b, 1, 10, "intruder\n", "someone-else"),
    ]);
    const values = results.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)));
    expect(values.slice(0, 4)).toEqual([
      { stored: true, logBytes: 6 },
      { stored: true, logBytes: 10 },
      { stored: true, logBytes: 6 },
      { stored: false, logBytes: 6 },
    ]);
    expect(values[4]).toMatch(/build no-such-build not found/);
    expect(values[5]).toMatch(/not assigned to this agent/);
    const stored = await f.db.prisma.logChunk.findMany({
      where: { buildId: a },
      orderBy: { seq: "asc" },
    });
    expect(Buffer.concat(stored.map((c) => Buffer.from(c.data))).toString()).toBe("a0\na1\n");
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id: b } })).logBytes).toBe(10);
    const published = f
      .published(`build:${a}`)
      .filter((m) => (m as { kind: string }).kind === "log");
    expect(published).toHaveLength(2);
  });

  run("applies events once: running, timings, hooks, failure, final status", async () => {
    const id = await assignedBuild();
    const t = Date.parse("2026-03-01T11:00:00Z");
    const events: TBuildEvent[] = [
      { type: "build.started", t, buildId: id, elements: ["base"], phases: [] },
      {
        type: "hook.finished",
        t: t + 5,
        phase: "root.d",
        element: "ubuntu",
        script: "10-cache",
        exitCode: 0,
        durationMs: 5,
      },
      { type: "phase.finished", t: t + 6, phase: "root.d", durationMs: 6, ok: true },
      {
        type: "hook.finished",
        t: t + 9,
        phase: "install.d",
        element: "nginx",
        script: "50-nginx",
        exitCode: 3,
        durationMs: 3,
      },
      { type: "phase.finished", t: t + 10, phase: "install.d", durationMs: 4, ok: false },
      {
        type: "build.finished",
        t: t + 11,
        status: "failed",
        durationMs: 11,
        error: {
          code: "HOOK_FAILED",
          message: "50-nginx exited 3",
          phase: "install.d",
          element: "nginx",
          script: "50-nginx",
          exitCode: 3,
        },
      },
    ];
    for (const [seq, e] of events.entries()) {
      expect((await recordBuildEvent(f.deps, id, seq, e, { agentId })).stored).toBe(true);
      // From an agent, even build.finished leaves it RUNNING: its BUILD_FINISHED ends it.
      expect((await f.caller(f.users.alice).builds.get({ buildId: id })).status).toBe("RUNNING");
    }
    f.clock.t = t + 11;
    const fin = events.at(-1) as Extract<TBuildEvent, { type: "build.finished" }>;
    await finishBuild(f.deps, {
      type: "BUILD_FINISHED",
      v: 1,
      buildId: id,
      status: fin.status,
      error: fin.error,
      lastLogSeq: null,
      lastEventSeq: events.length - 1,
      logBytes: 0,
    });
    // Resends change nothing (no second hook row, timings not doubled).
    for (const [seq, e] of events.entries())
      expect((await recordBuildEvent(f.deps, id, seq, e)).stored).toBe(false);
    const b = await f.caller(f.users.alice).builds.get({ buildId: id });
    expect(b.status).toBe("FAILED");
    expect(b.startedAt?.getTime()).toBe(t);
    expect(b.durationMs).toBe(11);
    expect(b.phaseTimings).toEqual({ "root.d": 6, "install.d": 4 });
    expect(b.hooks.map((h) => [h.script, h.exitCode])).toEqual([
      ["10-cache", 0],
      ["50-nginx", 3],
    ]);
    expect(b.failure).toEqual({
      phase: "install.d",
      element: "nginx",
      script: "50-nginx",
      exitCode: 3,
      message: "50-nginx exited 3",
    });
    // A late "succeeded" cannot overturn a finished build.
    await recordBuildEvent(f.deps, id, 99, {
      type: "build.finished",
      t: t + 20,
      status: "succeeded",
      durationMs: 1,
    });
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status).toBe("FAILED");
    const replay = await f.caller(f.users.alice).builds.events({ buildId: id, afterSeq: 3 });
    expect(replay.map((e) => e.seq)).toEqual([4, 5, 99]);
    const changes = f.published("builds").filter((m) => (m as { buildId: string }).buildId === id);
    expect(changes.map((m) => (m as { status: string }).status)).toEqual([
      "QUEUED",
      "RUNNING",
      "FAILED",
    ]);
  });

  run("records artifacts (idempotent by file name) and the package manifest", async () => {
    const id = await assignedBuild();
    const a = {
      buildId: id,
      type: "qcow2",
      fileName: "web.qcow2",
      sizeBytes: 10,
      sha256: "c".repeat(64),
      md5: "d".repeat(32),
      storageKey: `builds/${id}/artifacts/web.qcow2`,
      agentId,
    };
    const first = await recordArtifact(f.deps, a);
    const again = await recordArtifact(f.deps, { ...a, sizeBytes: 12 });
    expect(again.id).toBe(first.id);
    await expect(recordArtifact(f.deps, { ...a, fileName: "../x" })).rejects.toThrow(/fileName/);
    await recordManifest(f.deps, {
      buildId: id,
      packages: [
        { name: "zlib", version: "1" },
        { name: "bash", version: "5" },
      ],
    });
    const b = await f.caller(f.users.alice).builds.get({ buildId: id });
    expect(b.artifacts.map((x) => x.sizeBytes)).toEqual([12]);
    expect(b.manifest.map((p) => p.name)).toEqual(["bash", "zlib"]);
  });
});
