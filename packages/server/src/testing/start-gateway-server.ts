/**
 * The agent gateway on its own http.Server on 127.0.0.1, for tests and
 * benches: what the dashboard's start-up does without Next. Requests the
 * gateway does not answer go to `fallback` (404 without one);
 * start-api-server.ts puts the /api handler there.
 * Optionally runs the dispatcher the way the dashboard's bootstrap does, on
 * test timings. Not used by production code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerDeps } from "../context.ts";
import {
  createAgentGateway,
  type AgentGateway,
  type TAgentGatewayOptions,
} from "../gateway/create-agent-gateway.ts";
import { applyIdleTimeout, httpServerOptions } from "../http/http-settings.ts";
import { applySecurityHeaders } from "../http/security-headers.ts";
import { startDispatcher, type TDispatcherOptions } from "../services/dispatch/start-dispatcher.ts";

export interface TGatewayServerOptions {
  deps: ServerDeps;
  /** Passed to createAgentGateway (heartbeat, bad-frame limits). */
  gateway?: TAgentGatewayOptions;
  /** Port on 127.0.0.1 (default 0: the kernel's pick). */
  port?: number;
  /** Answers the requests the gateway does not (default: 404). */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Runs a dispatcher until close (default: none; the test dispatches itself). */
  dispatch?: TDispatcherOptions;
}

export interface TGatewayServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  server: Server;
  gateway: AgentGateway;
  /** Stops the dispatcher, closes agent sockets and the server. */
  close(): Promise<void>;
}

export async function startGatewayServer(o: TGatewayServerOptions): Promise<TGatewayServer> {
  const gateway = createAgentGateway(o.deps, o.gateway);
  const server = createServer(httpServerOptions(o.deps.config), (req, res) => {
    applySecurityHeaders(o.deps.config, req, res);
    if (gateway.handleRequest(req, res)) return;
    if (o.fallback) o.fallback(req, res);
    else res.writeHead(404).end();
  });
  gateway.attach(server);
  applyIdleTimeout(server, o.deps.config);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const stopDispatch = o.dispatch ? startDispatcher(o.deps, o.dispatch) : () => {};
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    gateway,
    close: async () => {
      stopDispatch();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
