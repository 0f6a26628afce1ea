/**
 * Non-throwing frame parsers, one per direction. Whatever arrives (bytes that
 * are not UTF-8, JSON that is not an object, a type of the other direction, a
 * field out of range, 10 MB of brackets) comes back as `{ ok: false, error }`
 * with one line naming the culprit, never as an exception: a peer's bad frame
 * must not take down the process that reads it.
 */
import type { z } from "zod";
import { AgentToServer, type TAgentToServer } from "./agent-to-server.ts";
import { MAX_FRAME_BYTES } from "./limits.ts";
import { ServerToAgent, type TServerToAgent } from "./server-to-agent.ts";
import { isSupportedVersion, SUPPORTED_VERSIONS } from "./version.ts";

export type TParseErrorCode = "TOO_LARGE" | "BAD_JSON" | "UNKNOWN_TYPE" | "BAD_VERSION" | "INVALID";

export interface TParseError {
  code: TParseErrorCode;
  /** One line naming the culprit (type, field path, limit). */
  message: string;
  /** The frame's `type`, when it had a string one (truncated to 64 characters). */
  type?: string;
}

export type TParseResult<M> = { ok: true; message: M } | { ok: false; error: TParseError };

/** What a WebSocket library hands over: text, bytes, or fragments of bytes (ws's `RawData`). */
export type TRawFrame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

export interface ParseOptions {
  /** Frames larger than this many bytes are refused before decoding. Default MAX_FRAME_BYTES (1 MiB). */
  maxBytes?: number;
}

type Catalog = Record<string, z.ZodType>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses one agent → server frame (the server's side). Never throws. */
export function parseAgentMessage(
  raw: TRawFrame,
  options: ParseOptions = {},
): TParseResult<TAgentToServer> {
  return parseFrame(
    raw,
    options,
    AgentToServer,
    ServerToAgent,
    "agent → server",
  ) as TParseResult<TAgentToServer>;
}

/** Parses one server → agent frame (the agent's side). Never throws. */
export function parseServerMessage(
  raw: TRawFrame,
  options: ParseOptions = {},
): TParseResult<TServerToAgent> {
  return parseFrame(
    raw,
    options,
    ServerToAgent,
    AgentToServer,
    "server → agent",
  ) as TParseResult<TServerToAgent>;
}

/**
 * The ERROR frame answering a frame that failed to parse (valid in both
 * directions), so the gateway and the agent answer bad input the same way.
 */
export function errorFrameFor(error: TParseError): TAgentToServer<"ERROR"> {
  return {
    type: "ERROR",
    v: 1,
    code: error.code,
    message: error.message.slice(0, 4000),
    ...(error.type !== undefined ? { refType: error.type } : {}),
  };
}

function parseFrame(
  raw: unknown,
  options: ParseOptions,
  catalog: Catalog,
  other: Catalog,
  direction: string,
): TParseResult<unknown> {
  try {
    const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
    const text = frameText(raw, maxBytes);
    if (typeof text !== "string") return { ok: false, error: text };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return fail("BAD_JSON", `frame is not JSON: ${oneLine(err)}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail("INVALID", `frame must be a JSON object, got ${kindOf(value)}`);
    }
    const { type, v } = value as { type?: unknown; v?: unknown };
    if (typeof type !== "string") {
      return fail("INVALID", `frame has no string "type" (got ${kindOf(type)})`);
    }
    const shownType = type.slice(0, 64);
    if (!Object.hasOwn(catalog, type)) {
      const why = Object.hasOwn(other, type)
        ? `${shownType} is not an ${direction} message`
        : `unknown ${direction} message type ${JSON.stringify(shownType)}`;
      return fail("UNKNOWN_TYPE", why, shownType);
    }
    if (!isSupportedVersion(v)) {
      return fail(
        "BAD_VERSION",
        `${type} v=${show(v)} is not supported (this side reads v${SUPPORTED_VERSIONS.join(", v")})`,
        type,
      );
    }
    const parsed = catalog[type]!.safeParse(value);
    if (!parsed.success) return fail("INVALID", describeIssues(type, parsed.error), type);
    return { ok: true, message: parsed.data };
  } catch (err) {
    // Not expected (the steps above do not throw), but the contract is "never throws".
    return fail("INVALID", `frame could not be checked: ${oneLine(err)}`);
  }
}

/** Frame text, or the error when it is too large or not UTF-8. The size is checked before decoding. */
function frameText(raw: unknown, maxBytes: number): string | TParseError {
  const tooLarge = (n: number | string): TParseError => ({
    code: "TOO_LARGE",
    message: `frame of ${n} bytes is over the ${maxBytes}-byte limit`,
  });
  if (typeof raw === "string") {
    // UTF-8 never takes fewer bytes than UTF-16 code units, so length is a cheap lower bound.
    if (raw.length > maxBytes) return tooLarge(`at least ${raw.length}`);
    if (raw.length * 3 > maxBytes) {
      const n = Buffer.byteLength(raw, "utf8");
      if (n > maxBytes) return tooLarge(n);
    }
    return raw;
  }
  let bytes: Uint8Array;
  if (raw instanceof Uint8Array) bytes = raw;
  else if (raw instanceof ArrayBuffer) bytes = new Uint8Array(raw);
  else if (Array.isArray(raw) && raw.every((p) => p instanceof Uint8Array)) {
    const total = raw.reduce((n: number, p: Uint8Array) => n + p.byteLength, 0);
    if (total > maxBytes) return tooLarge(total);
    bytes = Buffer.concat(raw);
  } else {
    return { code: "BAD_JSON", message: `frame must be text or bytes, got ${kindOf(raw)}` };
  }
  if (bytes.byteLength > maxBytes) return tooLarge(bytes.byteLength);
  try {
    return utf8.decode(bytes);
  } catch {
    return { code: "BAD_JSON", message: "frame is not valid UTF-8" };
  }
}

function describeIssues(type: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `${type}: invalid`;
  const where = first.path.length ? first.path.map((p) => String(p)).join(".") : "(frame)";
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : "";
  return `${type}.${where}: ${first.message}${more}`;
}

function fail(code: TParseErrorCode, message: string, type?: string): TParseResult<never> {
  return { ok: false, error: type === undefined ? { code, message } : { code, message, type } };
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

function show(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.slice(0, 16));
  return kindOf(value);
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]!.slice(0, 200);
}
