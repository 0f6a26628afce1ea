/**
 * Seeds finished builds into a running server's database through the same
 * service functions the agent gateway will call (recordBuildEvent,
 * appendLogChunk, recordArtifact, recordManifest), from the test process:
 * the build is queued by createBuild, then "run" by replaying pipeline events.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { createDirectoryArtifactStore } from "@kiln/db/artifact-store";
import { silentLogger } from "@kiln/contracts/logger";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { Actor, ServerDeps } from "@kiln/server/context";
import { EventBus } from "@kiln/server/event-bus";
import { MAX_LOG_CHUNK_BYTES } from "@kiln/protocol/limits";
import { appendLogChunk } from "@kiln/server/services/builds/append-log-chunk";
import { createBuild } from "@kiln/server/services/builds/create-build";
import {
  artifactStorageKey,
  recordArtifact,
  recordManifest,
} from "@kiln/server/services/builds/record-artifact";
import { recordBuildEvent } from "@kiln/server/services/builds/record-build-event";
import { SAMPLE_PHASES } from "./sample-phases.ts";

export function seedDeps(dataDir: string): ServerDeps {
  return {
    db: createDb({ url: `file:${path.join(dataDir, "kiln.db")}` }),
    store: createDirectoryArtifactStore({ root: path.join(dataDir, "artifacts") }),
    bus: new EventBus(),
    logger: silentLogger,
    config: {
      version: "test",
      builtinElementsDir: path.resolve(import.meta.dirname, "..", "..", "..", "elements"),
      keepBuildsDefault: 10,
      maxCatalogBytes: 50 << 20,
      publicUrl: "http://127.0.0.1",
      catalogCacheDir: path.join(dataDir, "catalog-cache"),
    } as ServerDeps["config"],
    now: () => new Date(),
  };
}

export interface TSeedBuildOptions {
  recipeVersionId: string;
  /** Lines of log (spread over the hooks; most in install.d). */
  lines: number;
  packages: { name: string; version: string; arch?: string }[];
  /** Artifact file name → size in bytes (content is generated). */
  artifacts: Record<string, number>;
  /** Make this hook fail (exit 1) and the build FAILED. */
  failAt?: { phase: string; element: string; script: string };
  /** When the build started, ms ago. */
  startedAgoMs: number;
  /** Scales every hook's duration. */
  speed?: number;
}

const ESC = "\u001b";

/** A plausible log line; some carry ANSI colours like apt and dpkg print them. */
function logLine(n: number, element: string): string {
  if (n % 50 === 0)
    return `${ESC}[32mGet:${n}${ESC}[0m http://deb.debian.org/debian bookworm/main amd64 pkg-${n} [${n % 997} kB]`;
  if (n % 97 === 0) return `${ESC}[1;33mW: ${element}: warning line ${n}${ESC}[0m`;
  return `Unpacking pkg-${n} (1.${n % 13}.${n % 7}-1) over (1.${n % 13}.${n % 5}-1) ...`;
}

/**
 * The agent seeded builds run on: registered, just seen and draining (the
 * dispatcher hands it nothing). A build that is running with no live agent is
 * one the server rightly takes for lost and queues again, clearing its log and
 * events, so a seeded run must have one while it plays.
 */
async function seedAgent(deps: ServerDeps): Promise<string> {
  const seen = { state: "DRAINING", draining: true, lastSeenAt: new Date() };
  const agent = await deps.db.prisma.agent.upsert({
    where: { name: "test-agent" },
    update: seen,
    create: { name: "test-agent", arch: "amd64", ...seen },
  });
  return agent.id;
}

/** Queue a build of the recipe version and play a whole run into it. Returns its id and number. */
export async function seedFinishedBuild(
  deps: ServerDeps,
  actor: Actor,
  o: TSeedBuildOptions,
): Promise<{ id: string; number: number }> {
  const agentId = await seedAgent(deps);
  const build = await createBuild(deps, actor, { recipeVersionId: o.recipeVersionId });
  await deps.db.prisma.build.update({
    where: { id: build.id },
    data: { status: "ASSIGNED", agentId, assignedAt: new Date() },
  });
  const speed = o.speed ?? 1;
  let t = Date.now() - o.startedAgoMs;
  let seq = 0;
  const log: Buffer[] = [];
  let logBytes = 0;
  const write = (line: string) => {
    const b = Buffer.from(`${line}\n`);
    log.push(b);
    logBytes += b.length;
  };
  const events: { seq: number; event: TBuildEvent }[] = [];
  const emit = (e: Record<string, unknown>) =>
    events.push({ seq: seq++, event: { ...e, logOffset: logBytes } as unknown as TBuildEvent });

  const hookCount = SAMPLE_PHASES.reduce((s, p) => s + p.hooks.length, 0);
  // Most of the log is apt output in install.d, as in real builds.
  const perHook = Math.floor(o.lines * 0.02);
  const bulk = o.lines - perHook * (hookCount - 1);
  emit({
    type: "build.started",
    t,
    buildId: build.id,
    elements: ["debian-minimal", "vm"],
    phases: SAMPLE_PHASES.map((p) => p.phase),
  });
  write(`${ESC}[1mkiln: build #${build.number} on test-agent${ESC}[0m`);
  let failed = false;
  for (const [i, p] of SAMPLE_PHASES.entries()) {
    if (failed) break;
    const phaseStart = t;
    emit({
      type: "phase.started",
      t,
      phase: p.phase,
      index: i + 1,
      total: SAMPLE_PHASES.length,
      where: p.where,
      hooks: p.hooks.length,
    });
    for (const [element, script] of p.hooks) {
      const hookStart = t;
      emit({ type: "hook.started", t, phase: p.phase, element, script });
      const n = script === "01-package-installs" ? bulk : perHook;
      for (let k = 0; k < n; k++) write(logLine(k + 1, element));
      const fail =
        o.failAt &&
        o.failAt.phase === p.phase &&
        o.failAt.element === element &&
        o.failAt.script === script;
      if (fail) write(`${ESC}[31mE: Unable to locate package does-not-exist${ESC}[0m`);
      t += Math.round(
        (script === "01-package-installs" ? 95_000 : 4_000 + element.length * 700) * speed,
      );
      emit({
        type: "hook.finished",
        t,
        phase: p.phase,
        element,
        script,
        exitCode: fail ? 1 : 0,
        durationMs: t - hookStart,
      });
      if (fail) {
        failed = true;
        break;
      }
    }
    emit({ type: "phase.finished", t, phase: p.phase, durationMs: t - phaseStart, ok: !failed });
  }
  t += 2_000;
  emit(
    failed && o.failAt
      ? {
          type: "build.finished",
          t,
          status: "failed",
          durationMs: t - (Date.now() - o.startedAgoMs),
          error: {
            code: "HOOK_FAILED",
            message: `${o.failAt.element}/${o.failAt.script} exited with 1`,
            ...o.failAt,
            exitCode: 1,
          },
        }
      : {
          type: "build.finished",
          t,
          status: "succeeded",
          durationMs: t - (Date.now() - o.startedAgoMs),
        },
  );

  // Log first (as an agent streams it ahead of the boundary events), in chunks an agent may send.
  const all = Buffer.concat(log);
  const CHUNK = MAX_LOG_CHUNK_BYTES;
  for (let off = 0, s = 0; off < all.length; off += CHUNK, s++) {
    await appendLogChunk(deps, {
      buildId: build.id,
      seq: s,
      offset: off,
      data: new Uint8Array(all.subarray(off, off + CHUNK)),
    });
  }
  for (const e of events)
    if (e.event.type !== "build.finished") await recordBuildEvent(deps, build.id, e.seq, e.event);
  if (!failed) {
    for (const [fileName, size] of Object.entries(o.artifacts)) {
      const content = Buffer.alloc(size, fileName.length);
      content.write(`kiln test artifact ${fileName} of build ${build.number}`);
      const key = artifactStorageKey(build.id, fileName);
      const put = await deps.store.put(key, content);
      await recordArtifact(deps, {
        buildId: build.id,
        type: fileName.split(".").pop() ?? "raw",
        fileName,
        sizeBytes: put.size,
        sha256: put.sha256,
        md5: createHash("md5").update(content).digest("hex"),
        storageKey: key,
      });
    }
    await recordManifest(deps, { buildId: build.id, packages: o.packages });
  }
  const last = events.at(-1)!;
  await recordBuildEvent(deps, build.id, last.seq, last.event);
  return build;
}

const packagesAt = (n: number, version: string) =>
  Array.from({ length: n }, (_, i) => ({
    name: `pkg-${i}`,
    version: `1.${i}-${version}`,
    arch: "amd64",
  }));

/**
 * The build page test's three finished builds of one recipe version: an older
 * success, a failure in install.d, and the newest success with a 200k-line log
 * whose package list differs from the older one's (for the diff).
 */
export async function seedDiffTrio(
  deps: ServerDeps,
  actor: Actor,
  recipeVersionId: string,
  timed: <T>(what: string, run: () => Promise<T>) => Promise<T>,
) {
  const older = await timed("seed older build", () =>
    seedFinishedBuild(deps, actor, {
      recipeVersionId,
      lines: 2_000,
      packages: [...packagesAt(40, "1"), { name: "gone-later", version: "0.9" }],
      artifacts: { "debian-vm.qcow2": 3 << 20 },
      startedAgoMs: 3 * 3600_000,
      speed: 1.2,
    }),
  );
  const failed = await seedFinishedBuild(deps, actor, {
    recipeVersionId,
    lines: 3_000,
    packages: [],
    artifacts: {},
    failAt: { phase: "install.d", element: "openssh-server", script: "50-openssh" },
    startedAgoMs: 2 * 3600_000,
  });
  const big = await timed("seed 200k-line build", () =>
    seedFinishedBuild(deps, actor, {
      recipeVersionId,
      lines: 200_000,
      packages: [
        ...packagesAt(39, "1"),
        { name: "pkg-39", version: "2.0-1", arch: "amd64" },
        { name: "new-tool", version: "3.1" },
      ],
      artifacts: { "debian-vm.qcow2": 4 << 20, "debian-vm.raw": 1 << 20 },
      startedAgoMs: 3600_000,
    }),
  );
  return { older, failed, big };
}
