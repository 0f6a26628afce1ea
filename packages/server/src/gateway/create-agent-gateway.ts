/**
 * The agent gateway: agents' HTTP routes plus the WebSocket endpoint on the
 * dashboard's own HTTP server. A thin transport: each socket's session
 * (agent-session.ts) hands every frame to a service and encodes its answer.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import {
  AGENT_SOCKET_PATH,
  CLOSE_CODES,
  HEARTBEAT_INTERVAL_MS,
  MAX_FRAME_BYTES,
} from "@kiln/protocol";
import type { ServerDeps } from "../context.ts";
import { authenticateAgent, bearerSecret } from "../services/agents/register-agent.ts";
import { agentTopic } from "../services/builds/build-topics.ts";
import { handleAgentHttp, type TAgentHttpState } from "./agent-http.ts";
import { AgentSession, type TAgentSessionOptions } from "./agent-session.ts";

export interface TAgentGatewayOptions {
  /** Heartbeat interval told to agents (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Invalid frames tolerated per window before closing with 4008 (default 20 per minute). */
  maxBadFrames?: number;
  badFrameWindowMs?: number;
}

export interface AgentGateway {
  /** Answers agent HTTP routes (register, artifact PUT, catalog GET); false when not one. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Serves the WebSocket endpoint on this server's `upgrade` events. */
  attach(server: Server): void;
  /** Agent ids with an open session. */
  connected(): string[];
  /** Closes every agent socket (4010: reconnect later). */
  close(): Promise<void>;
}

interface TLive {
  session: AgentSession;
  socket: WebSocket;
  off: () => void;
}

export function createAgentGateway(
  deps: ServerDeps,
  opts: TAgentGatewayOptions = {},
): AgentGateway {
  const state: TAgentHttpState = { uploaded: new Map() };
  const live = new Map<string, TLive>();
  /** Sessions still writing their end (OFFLINE) to the database. */
  const ending = new Set<Promise<void>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sessionOpts: TAgentSessionOptions = {
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS.default,
    maxBadFrames: opts.maxBadFrames ?? 20,
    badFrameWindowMs: opts.badFrameWindowMs ?? 60_000,
    uploaded: state.uploaded,
  };

  function open(agentId: string, socket: WebSocket): void {
    const previous = live.get(agentId);
    if (previous) {
      live.delete(agentId);
      previous.off();
      previous.session.close(CLOSE_CODES.REPLACED, "replaced by a newer connection");
    }
    const session = new AgentSession(
      deps,
      agentId,
      {
        send: (frame) => socket.send(frame),
        close: (code, reason) => socket.close(code, reason),
      },
      sessionOpts,
    );
    const off = deps.bus.subscribe(agentTopic(agentId), (command) => session.command(command));
    const entry: TLive = { session, socket, off };
    live.set(agentId, entry);
    socket.on("message", (data, isBinary) =>
      session.frame(isBinary ? (data as Buffer) : data.toString()),
    );
    socket.on("error", (err) =>
      deps.logger.warn("agent socket error", { agentId, err: String(err) }),
    );
    socket.on("close", () => {
      off();
      const current = live.get(agentId) === entry;
      if (current) live.delete(agentId);
      const done: Promise<void> = session.ended(!current).finally(() => ending.delete(done));
      ending.add(done);
    });
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const agent = await authenticateAgent(deps, bearerSecret(req.headers.authorization));
    if (!agent) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(agent.id, ws));
  }

  return {
    handleRequest: (req, res) => handleAgentHttp(deps, state, req, res),
    attach(server) {
      server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const pathname = (req.url ?? "/").split("?")[0];
        if (pathname !== AGENT_SOCKET_PATH) {
          refuseUpgrade(socket);
          return;
        }
        socket.on("error", () => socket.destroy());
        upgrade(req, socket, head).catch((err: unknown) => {
          deps.logger.error("agent upgrade failed", { err: String(err) });
          socket.destroy();
        });
      });
    },
    connected: () => [...live.keys()],
    async close() {
      const sessions = [...live.values()];
      for (const l of sessions) l.session.close(CLOSE_CODES.SERVER_RESTART, "server shutting down");
      await Promise.all(sessions.map((l) => closedWithin(l.socket, CLOSE_WAIT_MS)));
      await new Promise<void>((r) => wss.close(() => r()));
      // Let every session finish its database work before the caller closes the database
      // (a client disconnected mid-statement leaves a transaction open and hangs the pool).
      await Promise.all([...ending]);
    },
  };
}

/**
 * Answers an upgrade nobody serves (every path but the agent socket: Kiln
 * has no other WebSocket) and closes the socket, so a stray or hostile
 * client cannot leave it half-open.
 */
function refuseUpgrade(socket: Duplex): void {
  socket.on("error", () => socket.destroy());
  socket.end(
    "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\n" +
      "Content-Length: 22\r\n\r\nno WebSocket endpoint\n",
    () => socket.destroy(),
  );
}

/** How long a shutting-down server waits for an agent to answer its close frame. */
const CLOSE_WAIT_MS = 2000;

/** Resolves once the socket is closed, cutting it after `ms` if the peer does not answer. */
function closedWithin(socket: WebSocket, ms: number): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
