/**
 * Connection layer: one WebSocket to the server at a time, authenticated at
 * the upgrade by the agent secret; reconnects with capped, jittered backoff
 * on every failure except the unrecoverable ones (HTTP 401, fatal close codes).
 */
import WebSocket from "ws";
import { KilnError } from "@kiln/contracts/errors";
import { silentLogger, type Logger } from "@kiln/contracts/logger";
import {
  AGENT_SOCKET_PATH,
  CLOSE_CODES,
  encodeMessage,
  errorFrameFor,
  FATAL_CLOSE_CODES,
  parseServerMessage,
  type TAgentToServer,
  type TServerToAgent,
} from "@kiln/protocol";
import { computeBackoff, DEFAULT_BACKOFF, type BackoffOptions } from "./compute-backoff.ts";

/** The server refused this agent for good (bad secret, revoked, replaced, no common version). */
export class AgentFatalError extends KilnError {
  constructor(
    message: string,
    /** WebSocket close code or HTTP status that caused it. */
    readonly reason: number,
  ) {
    super("USAGE", message);
  }
}

export interface AgentConnectionOptions {
  /** Server base URL, http(s)://host:port. */
  server: string;
  /** Agent secret sent as `Authorization: Bearer`. */
  secret: string;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Called on every open socket; the worker sends HELLO here. */
  onOpen: () => void;
  onMessage: (message: TServerToAgent) => void;
  /** The socket is gone; a reconnect is scheduled unless stopped. */
  onClose: () => void;
}

const FATAL_TEXT: Record<number, string> = {
  [CLOSE_CODES.UNAUTHORIZED]: "the server refused the agent secret",
  [CLOSE_CODES.REVOKED]: "this agent was revoked on the server",
  [CLOSE_CODES.UNSUPPORTED_VERSION]: "the server speaks no protocol version this agent knows",
  [CLOSE_CODES.REPLACED]: "another connection of this agent took over",
};

/** ws://host/api/agents/connect from http://host. */
export function socketUrl(server: string): string {
  const url = new URL(AGENT_SOCKET_PATH, server);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export class AgentConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger: Logger;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  /** Settles when stopped: resolves on `stop()`, rejects with AgentFatalError. */
  readonly done: Promise<void>;

  constructor(private readonly o: AgentConnectionOptions) {
    this.logger = o.logger ?? silentLogger;
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A rejection nobody awaited yet must not crash the process.
    this.done.catch(() => undefined);
  }

  start(): void {
    this.dial();
  }

  /** True when a frame can be written now. */
  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Writes a frame if the socket is open; false otherwise (the caller keeps it spooled). */
  send(message: TAgentToServer): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeMessage(message));
    return true;
  }

  /** Drop the current socket (e.g. heartbeats went unanswered); a reconnect follows. */
  drop(reason: string): void {
    this.logger.warn("dropping connection", { reason });
    this.ws?.terminate();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, "agent stopping");
    this.resolveDone();
  }

  private fatal(message: string, reason: number): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
    this.rejectDone(new AgentFatalError(message, reason));
  }

  private dial(): void {
    if (this.stopped) return;
    const url = socketUrl(this.o.server);
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${this.o.secret}` } });
    this.ws = ws;
    let failedUpgrade = false;
    ws.on("unexpected-response", (req, res) => {
      failedUpgrade = true;
      const status = res.statusCode ?? 0;
      req.destroy();
      res.resume();
      if (status === 401 || status === 403) {
        this.fatal(`${url}: the server refused the agent secret (HTTP ${status})`, status);
      } else {
        this.logger.warn("upgrade refused", { status });
        this.scheduleReconnect();
      }
    });
    ws.on("open", () => {
      this.attempt = 0;
      this.logger.info("connected", { url });
      this.o.onOpen();
    });
    ws.on("message", (raw) => {
      const parsed = parseServerMessage(raw as Buffer);
      if (!parsed.ok) {
        this.logger.warn("bad frame from server", { error: parsed.error.message });
        if (ws.readyState === WebSocket.OPEN) ws.send(encodeMessage(errorFrameFor(parsed.error)));
        return;
      }
      this.o.onMessage(parsed.message);
    });
    ws.on("error", (err) => {
      this.logger.debug("socket error", { error: err.message });
    });
    ws.on("close", (code, reason) => {
      if (this.ws === ws) this.ws = undefined;
      if (failedUpgrade) return;
      this.o.onClose();
      if (this.stopped) return;
      if (FATAL_CLOSE_CODES.has(code)) {
        const why = reason.toString() || FATAL_TEXT[code] || "fatal close";
        this.fatal(
          `${url}: ${FATAL_TEXT[code] ?? why} (close ${code}${why ? `: ${why}` : ""})`,
          code,
        );
        return;
      }
      this.logger.warn("disconnected", { code, reason: reason.toString() });
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = computeBackoff(this.attempt++, this.o.backoff ?? DEFAULT_BACKOFF);
    this.logger.info("reconnecting", { inMs: delay, attempt: this.attempt });
    this.timer = setTimeout(() => this.dial(), delay);
  }
}
