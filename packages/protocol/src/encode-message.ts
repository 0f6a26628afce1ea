import { KilnError } from "@kiln/contracts/errors";
import type { z } from "zod";
import { AgentToServer, type TAgentToServer } from "./agent-to-server.ts";
import { MAX_FRAME_BYTES } from "./limits.ts";
import { ServerToAgent, type TServerToAgent } from "./server-to-agent.ts";

/**
 * Thrown by encodeMessage when a message does not match its schema or would
 * exceed the frame limit: a bug in the sender, never a peer's fault.
 */
export class ProtocolEncodeError extends KilnError {
  constructor(
    readonly messageType: string,
    detail: string,
  ) {
    super("USAGE", `cannot send ${messageType}: ${detail}`);
  }
}

export interface EncodeOptions {
  /** Refuse frames larger than this many bytes. Default MAX_FRAME_BYTES (1 MiB). */
  maxBytes?: number;
}

type Catalog = Record<string, z.ZodType>;

/**
 * Validates a message against its catalog schema and returns the JSON frame.
 * The frame is built from the parsed value, so defaults are filled in and
 * stray keys dropped. ERROR is the one type both directions share.
 */
export function encodeMessage(
  message: TAgentToServer | TServerToAgent,
  options: EncodeOptions = {},
): string {
  const type = (message as { type?: unknown } | null)?.type;
  const name = typeof type === "string" ? type : String(type);
  const schema = schemaFor(AgentToServer, name) ?? schemaFor(ServerToAgent, name);
  if (!schema) throw new ProtocolEncodeError(name, "unknown message type");
  const parsed = schema.safeParse(message);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ProtocolEncodeError(
      name,
      `${i?.path.map(String).join(".") || "(message)"}: ${i?.message}`,
    );
  }
  const frame = JSON.stringify(parsed.data);
  const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
  const bytes = Buffer.byteLength(frame, "utf8");
  if (bytes > maxBytes) {
    throw new ProtocolEncodeError(
      name,
      `frame of ${bytes} bytes is over the ${maxBytes}-byte limit`,
    );
  }
  return frame;
}

/** Own entries only: `toString` is no message type. */
function schemaFor(catalog: Catalog, type: string): z.ZodType | undefined {
  return Object.hasOwn(catalog, type) ? catalog[type] : undefined;
}
