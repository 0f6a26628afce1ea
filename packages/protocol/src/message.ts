import { KilnError } from "@kiln/contracts/errors";
import { z } from "zod";

/**
 * A v1 message schema: `{ type, v: 1, ...fields }`. Unknown keys are stripped,
 * so a newer peer may add optional fields without a version bump.
 */
export function defineMessage<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  // A field named `type` or `v` would silently replace the envelope's (ARTIFACT_READY's kind once did).
  if ("type" in shape || "v" in shape)
    throw new KilnError("USAGE", `${type}: "type" and "v" are reserved`);
  return z.object({ type: z.literal(type), v: z.literal(1), ...shape });
}

/** Machine-readable error codes a peer can put in ERROR frames. Extensible: peers accept any SCREAMING_SNAKE code. */
export const ERROR_CODES = [
  // Frame-level: the parser's codes.
  "TOO_LARGE",
  "BAD_JSON",
  "UNKNOWN_TYPE",
  "BAD_VERSION",
  "INVALID",
  // Session-level.
  "NOT_HELLO",
  "UNSUPPORTED_VERSION",
  "UNKNOWN_BUILD",
  "NOT_ASSIGNED",
  "RATE_LIMITED",
  "INTERNAL",
] as const;

export const ZErrorCode = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Z][A-Z0-9_]*$/, "expected a SCREAMING_SNAKE code");
