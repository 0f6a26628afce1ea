/**
 * The agent gateway on its own http.Server on 127.0.0.1, for tests and
 * benches: what the dashboard's start-up does without Next. Requests the
 * gateway does not answer go to `fallback` (404 without one), so a caller
 * that has the dashboard's /api handler can put it behind the same port.
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
import { BUILDS_TOPIC } from "../services/builds/build-topics.ts";
import { markAgentsOffline } from "../services/dispatch/mark-agents-offline.ts";
import { requestDispatch } from "../services/dispatch/request-dispatch.ts";

export interface TTestDispatchOptions {
  /** Period of the dispatcher's tick (offline marking if asked, then a dispatch run). */
  everyMs: number;
  /** Delay between a build change and its dispatch run (changes within it share the run). */
  afterChangeMs: number;
  /** Mark silent agents offline (and lose their builds) on every tick. */
  offline?: {
    /** The heartbeat told to agents. */
    heartbeatMs: number;
    /** Grace after OFFLINE before builds are lost (default: markAgentsOffline's). */
    graceMs?: number;
  };
}

export interface TGatewayServerOptions {
  deps: ServerDeps;
  /** Passed to createAgentGateway (heartbeat, bad-frame limits). */
  gateway?: TAgentGatewayOptions;
  /** Port on 127.0.0.1 (default 0: the kernel's pick). */
  port?: number;
  /** Answers the requests the gateway does not (default: 404). */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Runs a dispatcher until close (default: none; the test dispatches itself). */
  dispatch?: TTestDispatchOptions;
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
  const server = createServer((req, res) => {
    if (gateway.handleRequest(req, res)) return;
    if (o.fallback) o.fallback(req, res);
    else res.writeHead(404).end();
  });
  gateway.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const stopDispatch = o.dispatch ? startTestDispatcher(o.deps, o.dispatch) : () => {};
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

/** As bootstrap.ts's dispatcher; returns a function that stops it. */
function startTestDispatcher(deps: ServerDeps, o: TTestDispatchOptions): () => void {
  // Agents' silence counts from this start, not across a restart of the server process.
  const serverStartedAt = deps.now();
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      if (o.offline) {
        const { heartbeatMs, graceMs } = o.offline;
        await markAgentsOffline(deps, {
          heartbeatMs,
          serverStartedAt,
          ...(graceMs !== undefined ? { graceMs } : {}),
        });
      }
      await requestDispatch(deps);
    } catch (err) {
      deps.logger.error("test dispatcher tick failed", { err: String(err) });
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), o.everyMs);
  let pending: NodeJS.Timeout | undefined;
  const unsubscribe = deps.bus.subscribe(BUILDS_TOPIC, () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      void requestDispatch(deps);
    }, o.afterChangeMs);
  });
  return () => {
    clearInterval(timer);
    clearTimeout(pending);
    unsubscribe();
  };
}
