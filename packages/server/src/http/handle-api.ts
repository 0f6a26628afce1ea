import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError, HTTP_STATUS, toTRPCError } from "../app-error.ts";
import type { RequestContext, ServerDeps } from "../context.ts";
import { appRouter } from "../routers/app-router.ts";
import { catalogLimits } from "../services/catalogs/catalog-limits.ts";
import { handleCatalogUpload } from "../services/catalogs/handle-catalog-upload.ts";
import { handleArtifactDownload, handleBuildLogDownload } from "./download-routes.ts";
import { serializeCookie } from "./http-auth.ts";
import { json } from "./http-bridge.ts";
import { httpSettings } from "./http-settings.ts";
import {
  capBody,
  checkCsrf,
  checkDeclaredLength,
  checkTrpcBatch,
  readCappedBody,
} from "./request-guards.ts";
import { resolveRequestActor, type TCookieJar } from "./request-actor.ts";

const ARTIFACT_PATH = /^\/api\/builds\/([A-Za-z0-9_-]+)\/artifacts\/([A-Za-z0-9_-]+)(?:\/[^/]*)?$/;
const LOG_PATH = /^\/api\/builds\/([A-Za-z0-9_-]+)\/log$/;
const UPLOAD_PATH = "/api/catalogs/upload";
/** Multipart overhead allowed above the archive cap (boundaries, other fields). */
const UPLOAD_SLACK = 64 * 1024;

/**
 * Everything under /api except the agent gateway's routes: health, tRPC,
 * catalog uploads, artifact and log downloads. The host (the dashboard's
 * server, or a test server) serves the rest.
 */
export async function handleApi(
  deps: ServerDeps,
  req: Request,
  ip: string | undefined,
): Promise<Response> {
  const url = new URL(req.url);
  const pathname = url.pathname;
  try {
    if (pathname === "/api/health") {
      return json(200, { ok: true, db: deps.db.provider, version: deps.config.version });
    }
    const maxBytes = bodyLimit(deps, pathname);
    checkDeclaredLength(req.headers, maxBytes);
    checkCsrf(req, deps.config);
    if (pathname === "/api/trpc" || pathname.startsWith("/api/trpc/")) {
      checkTrpcBatch(url, httpSettings(deps.config).maxBatchSize);
      return await handleTrpc(deps, await withCappedBody(req, maxBytes), ip);
    }

    const cookies: TCookieJar = [];
    const actor = await resolveRequestActor(deps, req, cookies);
    if (!actor)
      throw new AppError(
        "UNAUTHENTICATED",
        "sign in first (session cookie or Authorization: Bearer)",
      );
    // The catalogs service owns the upload protocol (streamed, capped).
    if (pathname === UPLOAD_PATH && req.method === "POST")
      return await handleCatalogUpload(deps, actor, withStreamCap(req, maxBytes));
    const artifact = req.method === "GET" ? ARTIFACT_PATH.exec(pathname) : null;
    if (artifact) return await handleArtifactDownload(deps, actor, artifact[1]!, artifact[2]!);
    const log = req.method === "GET" ? LOG_PATH.exec(pathname) : null;
    if (log) return await handleBuildLogDownload(deps, actor, log[1]!);
    return json(404, { error: `no such API route: ${req.method} ${pathname}` });
  } catch (err) {
    if (err instanceof AppError) {
      return json(HTTP_STATUS[err.code], { error: err.message, code: err.code, field: err.field });
    }
    deps.logger.error("request failed", {
      path: pathname,
      err: String((err as Error)?.stack ?? err),
    });
    return json(500, { error: "internal error; see the server log" });
  }
}

function handleTrpc(deps: ServerDeps, req: Request, ip: string | undefined): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async ({ resHeaders }): Promise<RequestContext> => {
      const jar: TCookieJar = [];
      let actor;
      try {
        actor = await resolveRequestActor(deps, req, jar);
      } catch (err) {
        throw err instanceof AppError ? toTRPCError(err) : err;
      }
      const setCookie: RequestContext["setCookie"] = (name, value, options) => {
        const cookie = serializeCookie(name, value, {
          maxAgeSeconds: options.maxAgeSeconds,
          secure: reachedOverHttps(deps, req),
        });
        resHeaders.append("set-cookie", cookie);
      };
      for (const cookie of jar)
        setCookie(cookie.name, cookie.value, { maxAgeSeconds: cookie.maxAgeSeconds });
      return { deps, actor, ip, setCookie };
    },
    onError({ error, path }) {
      // Expected failures (bad input, auth) are the caller's business; log only ours.
      if (error.code === "INTERNAL_SERVER_ERROR") {
        deps.logger.error("tRPC procedure failed", {
          path,
          err: String(error.cause?.stack ?? error.stack ?? error.message),
        });
      }
    },
  });
}

/** Bytes a request to `pathname` may send: uploads their archive cap, the rest the API's. */
function bodyLimit(deps: ServerDeps, pathname: string): number {
  if (pathname === UPLOAD_PATH) return catalogLimits(deps.config).maxArchiveBytes + UPLOAD_SLACK;
  return httpSettings(deps.config).maxBodyBytes;
}

/** The request with its (small) body read under the cap, so tRPC never sees more. */
async function withCappedBody(req: Request, maxBytes: number): Promise<Request> {
  if (req.method === "GET" || req.method === "HEAD") return req;
  const body = await readCappedBody(req, maxBytes);
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body,
    signal: req.signal,
  });
}

/** The request with its body streamed through a byte counter that fails past the cap. */
function withStreamCap(req: Request, maxBytes: number): Request {
  if (!req.body) return req;
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: capBody(req.body, maxBytes),
    signal: req.signal,
    duplex: "half",
  } as RequestInit);
}

/**
 * Secure cookies when the public URL is https, or when the browser reached
 * us over https (directly or via a proxy).
 */
function reachedOverHttps(deps: ServerDeps, req: Request): boolean {
  if (deps.config.publicUrlConfigured && deps.config.publicUrl.startsWith("https:")) return true;
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}
