/**
 * Size limits and WebSocket close codes shared by both ends. A peer that sends
 * past a limit gets an ERROR frame; the socket stays up (see README).
 */

/** Largest frame either side reads or writes (bytes of UTF-8 JSON). Checked before JSON.parse. */
export const MAX_FRAME_BYTES = 1 << 20;

/**
 * Largest LOG_CHUNK payload, in bytes before base64. Base64 grows it by 4/3,
 * so 512 KiB of log becomes ~683 KiB of text and still fits one frame with room
 * for the envelope. Agents batch every 100-250 ms, far below this.
 */
export const MAX_LOG_CHUNK_BYTES = 512 * 1024;

/** Base64 length of MAX_LOG_CHUNK_BYTES bytes. */
export const MAX_LOG_CHUNK_BASE64 = 4 * Math.ceil(MAX_LOG_CHUNK_BYTES / 3);

/** Upper bounds on list sizes and strings, so one frame cannot ask for unbounded work. */
export const LIMITS = {
  idChars: 128,
  nameChars: 200,
  labels: 64,
  labelKeyChars: 128,
  labelValueChars: 256,
  capacity: 64,
  envEntries: 1000,
  elementsPath: 64,
  preflightChecks: 200,
  messageChars: 4000,
  manifestPackages: 20_000,
} as const;

/** Heartbeat intervals a server may choose (ms). */
export const HEARTBEAT_INTERVAL_MS = { min: 1000, max: 600_000, default: 10_000 } as const;

/**
 * WebSocket close codes (4000-4999 is the application range). The agent's
 * connection layer stops retrying on the "fatal" ones and reconnects with
 * backoff on every other close.
 */
export const CLOSE_CODES = {
  /** Bad, unknown or missing agent secret: fatal, re-register. */
  UNAUTHORIZED: 4001,
  /** The agent was revoked by an administrator: fatal. */
  REVOKED: 4002,
  /** No protocol version in common: fatal until the agent is upgraded. */
  UNSUPPORTED_VERSION: 4003,
  /** Too many invalid frames: reconnect with backoff. */
  PROTOCOL_ABUSE: 4008,
  /** A newer connection of the same agent took over: do not reconnect this socket. */
  REPLACED: 4009,
  /** The server is shutting down: reconnect with backoff. */
  SERVER_RESTART: 4010,
} as const;

/** Close codes after which the agent must not reconnect on its own. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.UNAUTHORIZED,
  CLOSE_CODES.REVOKED,
  CLOSE_CODES.UNSUPPORTED_VERSION,
  CLOSE_CODES.REPLACED,
]);
