/**
 * Checks every /api request passes before any handler runs: the body cap,
 * the tRPC batch rules and the cross-site request check. Each returns the
 * refusal to send, or undefined when the request may go on.
 */
import { concatBytes } from "@kiln/contracts/bytes";
import { AppError } from "../app-error.ts";
import type { ServerConfig } from "../context.ts";

/** The header the dashboard's own requests carry; a cross-site form cannot set it. */
export const CSRF_HEADER = "x-kiln-csrf";

/** Thrown by a capped body stream when the client sends more than allowed. */
export class BodyTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super("PAYLOAD_TOO_LARGE", `the request body is over the limit of ${formatBytes(maxBytes)}`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A body announced (Content-Length) over `maxBytes`: refused before reading any of it. */
export function checkDeclaredLength(headers: Headers, maxBytes: number): void {
  const declared = Number(headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
}

/** `body` passed through, failing with BodyTooLargeError once more than `maxBytes` went by. */
export function capBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new BodyTooLargeError(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
}

/** The whole body of a small request, refused past `maxBytes` (stops reading there). */
export async function readCappedBody(
  req: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(req.headers, maxBytes);
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

/**
 * The tRPC batch rules: at most `maxBatchSize` procedures per request, and
 * sign-in procedures (`auth.*`) never batched, so each attempt is one
 * request that the sign-in limiter sees on its own.
 */
export function checkTrpcBatch(url: URL, maxBatchSize: number): void {
  const paths = decodeURIComponent(url.pathname.replace(/^\/api\/trpc\/?/, ""))
    .split(",")
    .filter(Boolean);
  if (paths.length > maxBatchSize) {
    throw new AppError(
      "INVALID_INPUT",
      `a batch may hold at most ${maxBatchSize} procedures (this one has ${paths.length})`,
    );
  }
  const batched = url.searchParams.get("batch") === "1" || paths.length > 1;
  if (batched && paths.some((path) => path.startsWith("auth."))) {
    throw new AppError("INVALID_INPUT", "auth procedures cannot be batched: send each on its own");
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery: a request that changes something and rides on
 * the browser's cookie must come from Kiln's own pages. It needs an Origin
 * (or, without one, a Referer) of KILN_PUBLIC_URL's origin, or of the
 * request's own host when no public URL is configured, and the CSRF header,
 * which plain forms and cross-origin requests without CORS cannot send.
 * Requests with an Authorization header (API tokens) carry no ambient
 * credential and need neither.
 */
export function checkCsrf(req: Request, config: ServerConfig): void {
  if (SAFE_METHODS.has(req.method)) return;
  if (req.headers.get("authorization")) return;
  if (!req.headers.get("cookie")) return;
  const source = requestOrigin(req.headers);
  if (!source || !isOwnOrigin(source, req.headers, config)) {
    throw new AppError("FORBIDDEN", "cross-site request refused: the Origin is not Kiln's own");
  }
  if (req.headers.get(CSRF_HEADER) !== "1") {
    throw new AppError(
      "FORBIDDEN",
      `cross-site request refused: the ${CSRF_HEADER} header is missing`,
    );
  }
}

function requestOrigin(headers: Headers): URL | undefined {
  const value = headers.get("origin") ?? headers.get("referer");
  if (!value || value === "null") return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isOwnOrigin(source: URL, headers: Headers, config: ServerConfig): boolean {
  if (config.publicUrlConfigured) return source.origin === new URL(config.publicUrl).origin;
  // No public URL: the host the browser used is ours (the scheme may differ behind a TLS proxy).
  return source.host === headers.get("host");
}
