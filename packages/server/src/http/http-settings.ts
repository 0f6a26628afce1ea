/**
 * Limits of Kiln's HTTP server: request bodies, tRPC batches and the
 * timeouts that cut slow or idle clients. The app's env.ts reads them into
 * `ServerConfig.http`; everything unset takes the defaults below.
 */
import type { Server, ServerOptions } from "node:http";
import type { ServerConfig } from "../context.ts";

export interface THttpSettings {
  /** Largest request body of any /api route but catalog uploads, bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Most procedures in one tRPC batch (default 20). */
  maxBatchSize: number;
  /** Time a client has to send all request headers, ms (default 20 s). */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included, ms (default 10 min: big uploads). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests, ms (default 5 s). */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed, ms (default 2 min). */
  idleTimeoutMs: number;
}

export const DEFAULT_HTTP_SETTINGS: THttpSettings = {
  maxBodyBytes: 1024 * 1024,
  maxBatchSize: 20,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 10 * 60_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 2 * 60_000,
};

/** The configured settings over the defaults. */
export function httpSettings(config: ServerConfig): THttpSettings {
  return { ...DEFAULT_HTTP_SETTINGS, ...config.http };
}

/**
 * Options for `http.createServer`. Node checks the header and request
 * timeouts only every `connectionsCheckingInterval`, so it follows the
 * header timeout: a slow client is cut close to the configured time.
 */
export function httpServerOptions(config: ServerConfig): ServerOptions {
  const settings = httpSettings(config);
  return {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: Math.max(settings.requestTimeoutMs, settings.headersTimeoutMs),
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, settings.headersTimeoutMs / 4)),
  };
}

/**
 * The per-socket idle timeout. Long-lived responses (subscriptions) send
 * pings more often than this, so only dead or stalled clients are cut.
 */
export function applyIdleTimeout(server: Server, config: ServerConfig): void {
  const { idleTimeoutMs } = httpSettings(config);
  server.setTimeout(idleTimeoutMs, (socket) => socket.destroy());
}
