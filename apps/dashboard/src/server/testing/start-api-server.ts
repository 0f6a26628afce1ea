/**
 * Kiln's server without Next, for tests and benches: the agent gateway and
 * the dashboard's own /api handler (tRPC, health, uploads, downloads) on one
 * http.Server on 127.0.0.1, as start-dashboard.ts wires them. It lives in the
 * dashboard, not in @kiln/server, because the /api handler belongs to the
 * dashboard app, which depends on @kiln/server. Not a test file itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerDeps } from "@kiln/server/context";
import {
  startGatewayServer,
  type TGatewayServer,
  type TGatewayServerOptions,
} from "@kiln/server/testing/start-gateway-server";
import { handleApi } from "../handle-api.ts";
import { sendFetchResponse, toFetchRequest } from "../http-bridge.ts";

export type TApiServerOptions = Omit<TGatewayServerOptions, "fallback">;
export type TApiServer = TGatewayServer;

/** Starts the server; the caller closes it. Options: see TGatewayServerOptions. */
export function startApiServer(o: TApiServerOptions): Promise<TApiServer> {
  return startGatewayServer({ ...o, fallback: (req, res) => serveApi(o.deps, req, res) });
}

function serveApi(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const request = toFetchRequest(req, `http://${req.headers.host ?? "127.0.0.1"}`, res);
  handleApi(deps, request, req.socket.remoteAddress)
    .then((response) => sendFetchResponse(res, response))
    .catch((err: unknown) => {
      deps.logger.error("API request failed", { path: req.url, err: String(err) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
}
