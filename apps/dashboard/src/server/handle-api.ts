import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError, HTTP_STATUS, toTRPCError } from "@kiln/server/app-error";
import type { RequestContext, ServerDeps } from "@kiln/server/context";
import { appRouter } from "@kiln/server/routers/app-router";
import { json } from "./http-bridge.ts";
import { resolveRequestActor, type TCookieJar } from "./request-actor.ts";
import { handleArtifactDownload, handleBuildLogDownload } from "./routes/downloads.ts";
import { handleCatalogUpload } from "./routes/catalog-upload.ts";

/** Everything under /api: health, tRPC, uploads and downloads. Next serves the rest. */
export async function handleApi(
  deps: ServerDeps,
  req: Request,
  ip: string | undefined,
): Promise<Response> {
  const url = new URL(req.url);
  const p = url.pathname;
  try {
    if (p === "/api/health") {
      return json(200, { ok: true, db: deps.db.provider, version: deps.config.version });
    }
    if (p === "/api/trpc" || p.startsWith("/api/trpc/")) return await handleTrpc(deps, req, ip);

    const cookies: TCookieJar = [];
    const actor = await resolveRequestActor(deps, req, cookies);
    if (!actor)
      throw new AppError(
        "UNAUTHENTICATED",
        "sign in first (session cookie or Authorization: Bearer)",
      );
    let m: RegExpMatchArray | null;
    if (p === "/api/catalogs/upload" && req.method === "POST")
      return await handleCatalogUpload(deps, actor, req);
    if (
      (m = p.match(/^\/api\/builds\/([A-Za-z0-9_-]+)\/artifacts\/([A-Za-z0-9_-]+)(?:\/[^/]*)?$/)) &&
      req.method === "GET"
    ) {
      return await handleArtifactDownload(deps, actor, m[1]!, m[2]!);
    }
    if ((m = p.match(/^\/api\/builds\/([A-Za-z0-9_-]+)\/log$/)) && req.method === "GET") {
      return await handleBuildLogDownload(deps, actor, m[1]!);
    }
    return json(404, { error: `no such API route: ${req.method} ${p}` });
  } catch (err) {
    if (err instanceof AppError) {
      return json(HTTP_STATUS[err.code], { error: err.message, code: err.code, field: err.field });
    }
    deps.logger.error("request failed", { path: p, err: String((err as Error)?.stack ?? err) });
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
        resHeaders.append("set-cookie", serializeCookie(req, name, value, options.maxAgeSeconds));
      };
      for (const c of jar) setCookie(c.name, c.value, { maxAgeSeconds: c.maxAgeSeconds });
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

function serializeCookie(req: Request, name: string, value: string, maxAgeSeconds: number): string {
  // Secure only when the browser reached us over https (directly or via a proxy).
  const https =
    new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  return [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(https ? ["Secure"] : []),
  ].join("; ");
}
