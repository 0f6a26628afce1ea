import { tracked } from "@trpc/server";
import { z } from "zod";
import { authedProcedure, router, writeProcedure } from "../trpc.ts";
import { cancelBuild } from "../services/builds/cancel-build.ts";
import { createBuild, ZCreateBuildInput } from "../services/builds/create-build.ts";
import { deleteBuild } from "../services/builds/delete-build.ts";
import { diffBuilds } from "../services/builds/diff-builds.ts";
import {
  followBuildChanges,
  followBuildEvents,
  followBuildLog,
} from "../services/builds/follow-build.ts";
import { getBuild, listBuildEvents } from "../services/builds/get-build.ts";
import { getBuildLog } from "../services/builds/get-build-log.ts";
import { listBuilds, ZListBuildsInput } from "../services/builds/list-builds.ts";
import { setBuildPinned } from "../services/builds/pin-build.ts";
import { retryBuild } from "../services/builds/retry-build.ts";

const ZBuildId = z.object({ buildId: z.string().min(1) });
/** tRPC puts the last `tracked()` id here when a subscription reconnects. */
const ZLastEventId = z.string().nullish();

export const buildsRouter = router({
  create: writeProcedure
    .input(ZCreateBuildInput)
    .mutation(({ ctx, input }) => createBuild(ctx.deps, ctx.actor, input)),
  list: authedProcedure
    .input(ZListBuildsInput)
    .query(({ ctx, input }) => listBuilds(ctx.deps, ctx.actor, input)),
  get: authedProcedure
    .input(ZBuildId)
    .query(({ ctx, input }) => getBuild(ctx.deps, ctx.actor, input.buildId)),
  /** A byte range of the log as text (ends on a whole character; `nextOffset` continues). */
  log: authedProcedure
    .input(
      ZBuildId.extend({
        from: z.number().int().min(0).default(0),
        maxBytes: z
          .number()
          .int()
          .min(1)
          .max(8 << 20)
          .optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const r = await getBuildLog(ctx.deps, ctx.actor, input);
      return {
        text: Buffer.from(r.data).toString("utf8"),
        from: r.from,
        nextOffset: r.nextOffset,
        totalBytes: r.totalBytes,
      };
    }),
  events: authedProcedure
    .input(
      ZBuildId.extend({
        afterSeq: z.number().int().min(-1).default(-1),
        limit: z.number().int().min(1).max(5000).optional(),
      }),
    )
    .query(({ ctx, input }) => listBuildEvents(ctx.deps, ctx.actor, input)),
  cancel: writeProcedure
    .input(ZBuildId)
    .mutation(({ ctx, input }) => cancelBuild(ctx.deps, ctx.actor, input.buildId)),
  retry: writeProcedure
    .input(ZBuildId)
    .mutation(({ ctx, input }) => retryBuild(ctx.deps, ctx.actor, input.buildId)),
  delete: writeProcedure
    .input(ZBuildId)
    .mutation(({ ctx, input }) => deleteBuild(ctx.deps, ctx.actor, input.buildId)),
  pin: writeProcedure
    .input(ZBuildId.extend({ pinned: z.boolean() }))
    .mutation(({ ctx, input }) => setBuildPinned(ctx.deps, ctx.actor, input)),
  diff: authedProcedure
    .input(z.object({ a: z.string().min(1), b: z.string().min(1) }))
    .query(({ ctx, input }) => diffBuilds(ctx.deps, ctx.actor, input)),

  /** Status changes of visible builds, for the list page. */
  onChange: authedProcedure.subscription(async function* ({ ctx, signal }) {
    yield* followBuildChanges(ctx.deps, ctx.actor, signal);
  }),
  /** Events after `afterSeq` (or the reconnect's last id): stored first, then live. */
  onEvents: authedProcedure
    .input(
      ZBuildId.extend({
        afterSeq: z.number().int().min(-1).default(-1),
        lastEventId: ZLastEventId,
      }),
    )
    .subscription(async ({ ctx, input, signal }) => {
      const afterSeq = input.lastEventId ? Number(input.lastEventId) : input.afterSeq;
      const events = await followBuildEvents(
        ctx.deps,
        ctx.actor,
        { buildId: input.buildId, afterSeq },
        signal,
      );
      return (async function* () {
        for await (const e of events) yield tracked(String(e.seq), e);
      })();
    }),
  /** Log text from `afterOffset` (or the reconnect's last id): stored first, then live. */
  onLog: authedProcedure
    .input(
      ZBuildId.extend({
        afterOffset: z.number().int().min(0).default(0),
        lastEventId: ZLastEventId,
      }),
    )
    .subscription(async ({ ctx, input, signal }) => {
      const afterOffset = input.lastEventId ? Number(input.lastEventId) : input.afterOffset;
      const pieces = await followBuildLog(
        ctx.deps,
        ctx.actor,
        { buildId: input.buildId, afterOffset },
        signal,
      );
      return (async function* () {
        // One decoder per stream: a character split across chunks is joined, not mangled.
        const decoder = new TextDecoder();
        for await (const piece of pieces) {
          yield tracked(String(piece.nextOffset), {
            offset: piece.offset,
            nextOffset: piece.nextOffset,
            text: decoder.decode(piece.data, { stream: true }),
          });
        }
      })();
    }),
});
