import { z } from "zod";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { MAX_LOG_CHUNK_BYTES } from "@kiln/protocol/limits";
import { buildMasker } from "./build-secret-masks.ts";
import { writeLogChunk } from "./log-write-batch.ts";

export const ZLogChunk = z.object({
  buildId: z.string().min(1),
  /** Strictly increasing per build, from 0; the idempotency key with buildId. */
  seq: z.number().int().min(0),
  /** Byte offset of the chunk in the build's log. */
  offset: z.number().int().min(0),
  data: z
    .instanceof(Uint8Array)
    .refine((d) => d.length <= MAX_LOG_CHUNK_BYTES, `log chunk over ${MAX_LOG_CHUNK_BYTES} bytes`),
  /** When given, the chunk is refused unless the build is assigned to this agent. */
  agentId: z.string().optional(),
});
export type TLogChunkInput = z.infer<typeof ZLogChunk>;

/**
 * Stores one log chunk (gateway → here). A resend of a stored `(buildId, seq)`
 * is a no-op (`stored: false`), so agents can resend from their last
 * acknowledged seq after a reconnect. New chunks are published on
 * `build:<id>` as `{kind:"log", seq, offset, data}` once committed. Chunks
 * arriving together are written in one batch (`log-write-batch.ts`). The
 * build's secrets are masked first, keeping the chunk's length
 * (`build-secret-masks.ts`).
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
  const chunk = parsed.data;
  const masker = await buildMasker(deps, chunk.buildId, chunk.agentId);
  return writeLogChunk(deps, { ...chunk, data: masker.log.mask(chunk.offset, chunk.data) });
}
