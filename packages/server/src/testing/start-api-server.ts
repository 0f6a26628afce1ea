/**
 * Kiln's server without Next, for tests and benches: the agent gateway and
 * the /api handler (tRPC, health, uploads, downloads) on one http.Server on
 * 127.0.0.1, as the dashboard's start-up wires them. Not used by production code.
 */
import { serveApi } from "../http/serve-api.ts";
import {
  startGatewayServer,
  type TGatewayServer,
  type TGatewayServerOptions,
} from "./start-gateway-server.ts";

export type TApiServerOptions = Omit<TGatewayServerOptions, "fallback">;
export type TApiServer = TGatewayServer;

/** Starts the server; the caller closes it. Options: see TGatewayServerOptions. */
export function startApiServer(options: TApiServerOptions): Promise<TApiServer> {
  return startGatewayServer({
    ...options,
    fallback: (req, res) => serveApi(options.deps, req, res),
  });
}
