/**
 * Live streams for subscriptions: replay what is stored after the client's
 * cursor, then follow the bus. The bus subscription starts before the replay
 * and anything already replayed is skipped, so nothing falls in between.
 */
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { Actor, ServerDeps } from "../../context.ts";
import type { TBusMessages, TBusTopic } from "../../event-bus.ts";
import { findReadableBuild, visibleBuildsWhere } from "./build-access.ts";
import { BUILDS_TOPIC, buildTopic, type TBuildChangeMessage } from "./build-topics.ts";
import { readLogRange } from "./get-build-log.ts";
import { listBuildEvents } from "./get-build.ts";
import { readableTeamIds } from "../access.ts";

/** Starts listening now (before any replay); the iterator ends when `signal` aborts or on return. */
function listenNow<K extends TBusTopic>(deps: ServerDeps, topic: K, signal?: AbortSignal) {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort);
  const it = deps.bus.listen(topic, stop.signal);
  const first = it.next(); // runs the generator up to its first wait: subscribed from here on
  return {
    async *messages(): AsyncGenerator<TBusMessages[K]> {
      for (let r = await first; !r.done; r = await it.next()) yield r.value;
    },
    close() {
      signal?.removeEventListener("abort", onAbort);
      stop.abort();
    },
  };
}

/**
 * Build events after `afterSeq` (stored, then live). Access is checked before
 * the stream is returned, so a refusal is an ordinary error, not a broken stream.
 */
export async function followBuildEvents(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; afterSeq: number },
  signal?: AbortSignal,
): Promise<AsyncGenerator<{ seq: number; event: TBuildEvent }>> {
  await findReadableBuild(deps, actor, input.buildId);
  return streamBuildEvents(deps, actor, input, signal);
}

async function* streamBuildEvents(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; afterSeq: number },
  signal?: AbortSignal,
): AsyncGenerator<{ seq: number; event: TBuildEvent }> {
  const live = listenNow(deps, buildTopic(input.buildId), signal);
  try {
    let last = input.afterSeq;
    for (;;) {
      const page = await listBuildEvents(deps, actor, { buildId: input.buildId, afterSeq: last });

      for (const e of page) yield e;
      if (page.length === 0) break;
      last = page.at(-1)!.seq;
    }
    for await (const m of live.messages()) {
      if (m.kind !== "event" || m.seq <= last) continue;
      last = m.seq;
      yield { seq: m.seq, event: m.event };
    }
  } finally {
    live.close();
  }
}

/** Log bytes from `afterOffset` (stored, then live); each piece says where the next starts. */
export async function followBuildLog(
  deps: ServerDeps,
  actor: Actor,
  input: { buildId: string; afterOffset: number },
  signal?: AbortSignal,
): Promise<AsyncGenerator<{ offset: number; nextOffset: number; data: Uint8Array }>> {
  await findReadableBuild(deps, actor, input.buildId);
  return streamBuildLog(deps, input, signal);
}

async function* streamBuildLog(
  deps: ServerDeps,
  input: { buildId: string; afterOffset: number },
  signal?: AbortSignal,
): AsyncGenerator<{ offset: number; nextOffset: number; data: Uint8Array }> {
  const live = listenNow(deps, buildTopic(input.buildId), signal);
  let at = input.afterOffset;
  // Reads what the database has from `at` on: used for the replay and to fill gaps.
  async function* catchUp() {
    for (;;) {
      const b = await deps.db.prisma.build.findUnique({
        where: { id: input.buildId },
        select: { logBytes: true },
      });
      const range = await readLogRange(deps, input.buildId, at, 256 * 1024, b?.logBytes ?? 0);
      if (range.data.length === 0) return;
      yield { offset: at, nextOffset: range.nextOffset, data: range.data };
      at = range.nextOffset;
    }
  }
  try {
    yield* catchUp();
    for await (const m of live.messages()) {
      if (m.kind !== "log") continue;
      const end = m.offset + m.data.length;
      if (end <= at) continue;
      if (m.offset > at) {
        yield* catchUp(); // chunks arrived out of order or were missed
        continue;
      }
      const data = m.data.subarray(at - m.offset);
      yield { offset: at, nextOffset: end, data };
      at = end;
    }
  } finally {
    live.close();
  }
}

/** Status changes of builds the actor may see (the list page). */
export async function* followBuildChanges(
  deps: ServerDeps,
  actor: Actor,
  signal?: AbortSignal,
): AsyncGenerator<TBuildChangeMessage> {
  const live = listenNow(deps, BUILDS_TOPIC, signal);
  const teams = await readableTeamIds(deps, actor);
  try {
    for await (const m of live.messages()) {
      if (teams === "all" || m.isPublic || (m.teamId && teams.includes(m.teamId))) yield m;
      else if (!m.teamId) {
        // Team-less ad-hoc builds: only their requester sees them.
        const where = await visibleBuildsWhere(deps, actor);
        if (await deps.db.prisma.build.count({ where: { AND: [{ id: m.buildId }, where] } }))
          yield m;
      }
    }
  } finally {
    live.close();
  }
}
