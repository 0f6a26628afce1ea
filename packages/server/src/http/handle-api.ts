import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError, HTTP_STATUS, toTRPCError } from "../app-error.ts";
import type { RequestContext, ServerDeps } from "../context.ts";
import { appRouter } from "../routers/app-router.ts";
import { handleCatalogUpload } from "../services/catalogs/handle-catalog-upload.ts";
import { handleArtifactDownload, handleBuildLogDownload } from "./download-routes.ts";
import { serializeCookie } from "./http-auth.ts";
import { json } from "./http-bridge.ts";
import { resolveRequestActor, type TCookieJar } from "./request-actor.ts";

const ARTIFACT_PATH = /^\/api\/builds\/([A-Za-z0-9_-]+)\/artifacts\/([A-Za-z0-9_-]+)(?:\/[^/]*)?$/;
const LOG_PATH = /^\/api\/builds\/([A-Za-z0-9_-]+)\/log$/;

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
    if (pathname === "/api/trpc" || pathname.startsWith("/api/trpc/"))
      return await handleTrpc(deps, req, ip);

    const cookies: TCookieJar = [];
    const actor = await resolveRequestActor(deps, req, cookies);
    if (!actor)
      throw new AppError(
        "UNAUTHENTICATED",
        "sign in first (session cookie or Authorization: Bearer)",
      );
    // The catalogs service owns the upload protocol (streamed, capped).
    if (pathname === "/api/catalogs/upload" && req.method === "POST")
      return await handleCatalogUpload(deps, actor, req);
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
          secure: reachedOverHttps(req),
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

/** Secure cookies only when the browser reached us over https (directly or via a proxy). */
function reachedOverHttps(req: Request): boolean {
  return new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
}
