/**
 * Kiln's `/api` over Node's http server, independent of any web framework:
 * the dashboard's custom server puts it beside Next, the test and bench
 * servers (`testing/start-api-server.ts`) beside nothing. The agent
 * gateway's routes are the gateway's own (`AgentGateway.handleRequest`);
 * the host asks the gateway first.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerDeps } from "../context.ts";
import { clientAddress, trustedProxiesOf } from "./client-address.ts";
import { handleApi } from "./handle-api.ts";
import { sendFetchResponse, toFetchRequest } from "./http-bridge.ts";

export { handleApi } from "./handle-api.ts";
export {
  applyIdleTimeout,
  DEFAULT_HTTP_SETTINGS,
  httpServerOptions,
  type THttpSettings,
} from "./http-settings.ts";
export { CSRF_HEADER } from "./request-guards.ts";
export { applySecurityHeaders } from "./security-headers.ts";

/** Whether a request path belongs to `/api` (the rest is the host's: pages, assets). */
export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** Answers one request with `handleApi`, streaming the response (subscriptions, downloads). */
export function serveApi(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const request = toFetchRequest(req, `http://${req.headers.host ?? "localhost"}`, res);
  const client = clientAddress(
    req.socket.remoteAddress,
    req.headers["x-forwarded-for"],
    trustedProxiesOf(deps.config.trustedProxies),
  );
  handleApi(deps, request, client)
    .then((response) => {
      // Refused for its size: close the connection rather than read the rest of the body.
      if (response.status === 413) res.setHeader("connection", "close");
      return sendFetchResponse(res, response);
    })
    .catch((err: unknown) => {
      deps.logger.error("API request failed", { path: req.url?.split("?")[0], err: String(err) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
}
