import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { buildTopic, type TBuildStreamMessage } from "./build-topics.ts";

/** Largest chunk accepted; agents batch every ~100-250 ms, far below this. */
export const MAX_LOG_CHUNK_BYTES = 1 << 20;

export const ZLogChunk = z.object({
  buildId: z.string().min(1),
  /** Strictly increasing per build, from 0; the idempotency key with buildId. */
  seq: z.number().int().min(0),
  /** Byte offset of the chunk in the build's log. */
  offset: z.number().int().min(0),
  data: z
    .instanceof(Uint8Array)
    .refine((d) => d.length <= MAX_LOG_CHUNK_BYTES, "log chunk over 1 MiB"),
  /** When given, the chunk is refused unless the build is assigned to this agent. */
  agentId: z.string().optional(),
});
export type TLogChunkInput = z.infer<typeof ZLogChunk>;

/**
 * Stores one log chunk (gateway → here). A resend of a stored `(buildId, seq)`
 * is a no-op (`stored: false`), so agents can resend from their last
 * acknowledged seq after a reconnect. New chunks are published on
 * `build:<id>` as `{kind:"log", seq, offset, data}`.
 */
export async function appendLogChunk(
  deps: ServerDeps,
  raw: TLogChunkInput,
): Promise<{ stored: boolean; logBytes: number }> {
  const parsed = ZLogChunk.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      "INVALID_INPUT",
      `log chunk: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`,
    );
  }
  const input = parsed.data;
  // Raw SQL on purpose: this runs for every chunk of every agent (200 agents ≈ 1300 chunks/s),
  // and an ORM query costs 4-5 times the CPU of a raw one (bench/agents).
  const p = deps.db.prisma;
  const [build] = await p.$queryRaw<TLogTarget[]>`
    SELECT "number", "agentId", "deletedAt", "logBytes" FROM "Build" WHERE "id" = ${input.buildId}`;
  if (!build) throw new AppError("NOT_FOUND", `build ${input.buildId} not found`, "buildId");
  // The same refusal as findIngestTarget: a lost build's late agent must not write into it.
  if (input.agentId !== undefined && build.agentId !== input.agentId) {
    throw new AppError(
      "CONFLICT",
      `build #${build.number} is not assigned to this agent`,
      "buildId",
    );
  }
  const logBytes = Number(build.logBytes);
  if (build.deletedAt !== null) return { stored: false, logBytes };
  const inserted = await p.$executeRaw`
    INSERT INTO "LogChunk" ("buildId", "seq", "offset", "data")
    VALUES (${input.buildId}, ${input.seq}, ${input.offset}, ${input.data})
    ON CONFLICT ("buildId", "seq") DO NOTHING`;
  if (inserted === 0) return { stored: false, logBytes };
  const end = input.offset + input.data.length;
  await p.$executeRaw`
    UPDATE "Build" SET "logBytes" = CASE WHEN "logBytes" < ${end} THEN ${end} ELSE "logBytes" END
    WHERE "id" = ${input.buildId}`;
  deps.bus.publish(buildTopic(input.buildId), {
    kind: "log",
    seq: input.seq,
    offset: input.offset,
    data: input.data,
  } satisfies TBuildStreamMessage);
  return { stored: true, logBytes: Math.max(logBytes, end) };
}

/** Build columns a chunk is checked against (bigint or number depending on the driver). */
interface TLogTarget {
  number: number | bigint;
  agentId: string | null;
  deletedAt: unknown;
  logBytes: number | bigint;
}
