/**
 * One agent's WebSocket session, transport-free: the gateway hands it raw
 * frames and bus commands, it answers through `send` and `close`. A protocol
 * adapter: each frame is parsed, handed to one service, and the result
 * encoded as the reply. Frames are handled one at a time in arrival order
 * (log chunks and events must land in order), and nothing a peer sends can
 * make it throw.
 */
import {
  CLOSE_CODES,
  decodeLogData,
  encodeMessage,
  errorFrameFor,
  parseAgentMessage,
  SUPPORTED_VERSIONS,
  type TAgentToServer,
  type TRawFrame,
  type TServerToAgent,
} from "@kiln/protocol";
import { AppError } from "../app-error.ts";
import type { ServerDeps } from "../context.ts";
import { acceptArtifact, type TUploadedHashes } from "../services/agents/accept-artifact.ts";
import {
  acceptAssignment,
  acceptBuildEvent,
  acceptBuildFinished,
  acceptLogChunk,
  markAgentDisconnected,
} from "../services/agents/agent-build-reports.ts";
import { markAgentAlive } from "../services/agents/mark-agent-alive.ts";
import { prepareAssignment } from "../services/agents/prepare-assignment.ts";
import { welcomeAgent } from "../services/agents/welcome-agent.ts";
import type { TAgentCommand } from "../services/builds/build-topics.ts";
import { requeueRejected } from "../services/builds/build-transitions.ts";
import { recordManifest } from "../services/builds/record-artifact.ts";
import { StreamPositions } from "../services/builds/stream-positions.ts";
import { requestDispatch } from "../services/dispatch/request-dispatch.ts";

export interface TAgentSessionOptions {
  /** Sent in WELCOME; the agent beats this often. */
  heartbeatIntervalMs: number;
  /** Bad frames tolerated per window before the socket is closed (PROTOCOL_ABUSE). */
  maxBadFrames: number;
  badFrameWindowMs: number;
  /** sha256 of uploads this process received, shared with the gateway's upload route. */
  uploaded: TUploadedHashes;
}

export interface TSessionTransport {
  send(frame: string): void;
  close(code: number, reason: string): void;
}

type Msg<K extends TAgentToServer["type"]> = TAgentToServer<K>;

/** Service refusals as the protocol's ERROR codes. */
const ERROR_CODE_FOR: Partial<Record<AppError["code"], string>> = {
  NOT_FOUND: "UNKNOWN_BUILD",
  CONFLICT: "NOT_ASSIGNED",
};

export class AgentSession {
  private queue: Promise<void> = Promise.resolve();
  private welcomed = false;
  private closed = false;
  /** Heartbeats, handled beside the frame queue; `ended` waits for both. */
  private beat: Promise<void> = Promise.resolve();
  private badFrames: number[] = [];
  private readonly positions: StreamPositions;

  constructor(
    private readonly deps: ServerDeps,
    readonly agentId: string,
    private readonly transport: TSessionTransport,
    private readonly opts: TAgentSessionOptions,
  ) {
    this.positions = new StreamPositions(deps);
  }

  /** Queue one raw frame. */
  frame(raw: TRawFrame): void {
    if (this.closed) return;
    const parsed = parseAgentMessage(raw);
    if (!parsed.ok) {
      this.send(errorFrameFor(parsed.error));
      this.countBad();
      return;
    }
    if (parsed.message.type === "HEARTBEAT" && this.welcomed) {
      // At once, not behind queued frames: after a reconnect the agent resends its
      // spool, and that backlog must not read as silence (its build would be lost).
      this.beat = this.beat.then(() => this.heartbeat());
      return;
    }
    this.enqueue(() => this.handle(parsed.message));
  }

  /** Queue one bus command (`agent:<id>`). */
  command(command: TAgentCommand): void {
    if (this.closed) return;
    if (command.type === "revoked") {
      // At once, not behind queued frames.
      this.send({ type: "REVOKED", v: 1, reason: "this agent was revoked by an administrator" });
      this.close(CLOSE_CODES.REVOKED, "revoked");
      return;
    }
    this.enqueue(() => this.handleCommand(command));
  }

  /** The socket is gone: mark the agent OFFLINE unless `replaced`. */
  async ended(replaced: boolean): Promise<void> {
    this.closed = true;
    await Promise.all([this.queue, this.beat]);
    if (replaced) return;
    await markAgentDisconnected(this.deps, this.agentId).catch((err: unknown) =>
      this.warn("marking agent offline failed", err),
    );
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close(code, reason);
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        this.warn("agent frame failed", err);
        this.send({ type: "ERROR", v: 1, code: "INTERNAL", message: "server error; see its log" });
      }
    });
  }

  private send(message: TServerToAgent): void {
    if (this.closed) return;
    try {
      this.transport.send(encodeMessage(message));
    } catch (err) {
      this.warn("could not send to agent", err);
    }
  }

  private countBad(): void {
    const now = Date.now();
    this.badFrames = this.badFrames.filter((at) => now - at < this.opts.badFrameWindowMs);
    this.badFrames.push(now);
    if (this.badFrames.length > this.opts.maxBadFrames) {
      this.close(CLOSE_CODES.PROTOCOL_ABUSE, "too many invalid frames");
    }
  }

  private warn(message: string, err: unknown): void {
    this.deps.logger.warn(message, { agentId: this.agentId, err: String(err) });
  }

  private error(code: string, message: string, refType: string, buildId?: string): void {
    this.send({ type: "ERROR", v: 1, code, message, refType, ...(buildId ? { buildId } : {}) });
  }

  private async handle(message: TAgentToServer): Promise<void> {
    if (message.type === "HELLO") return this.hello(message);
    if (!this.welcomed) {
      this.error("NOT_HELLO", "send HELLO first", message.type);
      this.countBad();
      return;
    }
    try {
      await this.report(message);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const buildId = "buildId" in message ? message.buildId : undefined;
      this.error(ERROR_CODE_FOR[err.code] ?? "INVALID", err.message, message.type, buildId);
    }
  }

  /** A message after HELLO: one service call, its answer sent back. */
  private async report(message: Exclude<TAgentToServer, Msg<"HELLO">>): Promise<void> {
    const { deps, agentId, positions } = this;
    switch (message.type) {
      case "HEARTBEAT":
        return this.heartbeat();
      case "ACCEPT": {
        const { cancel } = await acceptAssignment(deps, agentId, message.buildId);
        if (cancel) this.sendCancel(message.buildId);
        return;
      }
      case "REJECT":
        await requeueRejected(deps, agentId, message);
        return;
      case "BUILD_EVENT": {
        const seq = await acceptBuildEvent(deps, positions, agentId, message);
        if (seq !== null) this.send({ type: "EVENT_ACK", v: 1, buildId: message.buildId, seq });
        return;
      }
      case "LOG_CHUNK": {
        const data = decodeLogData(message.data) as Uint8Array<ArrayBuffer>;
        const { buildId, offset } = message;
        const chunk = { buildId, seq: message.seq, offset, data };
        const seq = await acceptLogChunk(deps, positions, agentId, chunk);
        if (seq !== null) this.send({ type: "LOG_ACK", v: 1, buildId, seq });
        return;
      }
      case "ARTIFACT_READY": {
        const verdict = await acceptArtifact(deps, this.opts.uploaded, agentId, message);
        const { buildId, fileName } = message;
        return this.send({ type: "ARTIFACT_ACK", v: 1, buildId, fileName, ...verdict });
      }
      case "MANIFEST":
        return recordManifest(deps, { ...message, agentId });
      case "BUILD_FINISHED": {
        if ((await acceptBuildFinished(deps, positions, agentId, message)) === "wait") return;
        this.send({ type: "BUILD_FINISHED_ACK", v: 1, buildId: message.buildId });
        return this.dispatchSoon();
      }
      case "ERROR":
        deps.logger.warn("agent reported an error", { agentId, ...message });
        return;
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    try {
      if (await markAgentAlive(this.deps, this.agentId)) this.dispatchSoon();
    } catch (err) {
      this.warn("recording a heartbeat failed", err);
    }
    this.send({ type: "HEARTBEAT_ACK", v: 1, serverTime: Date.now() });
  }

  private async hello(message: Msg<"HELLO">): Promise<void> {
    if (message.agentId !== undefined && message.agentId !== this.agentId) {
      this.error("INVALID", "HELLO.agentId is not the agent this secret belongs to", "HELLO");
      return this.close(CLOSE_CODES.UNAUTHORIZED, "agent id mismatch");
    }
    const spoken = message.protocols.filter((v) => SUPPORTED_VERSIONS.includes(v as 1));
    const protocol = Math.max(...spoken);
    if (!Number.isFinite(protocol)) {
      const versions = `v${SUPPORTED_VERSIONS.join(", v")}`;
      this.error("UNSUPPORTED_VERSION", `server speaks ${versions}`, "HELLO");
      return this.close(CLOSE_CODES.UNSUPPORTED_VERSION, "no common protocol version");
    }
    const welcome = await welcomeAgent(this.deps, this.agentId, message, this.positions);
    this.welcomed = true;
    this.send({
      type: "WELCOME",
      v: 1,
      agentId: this.agentId,
      protocol,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
      labels: welcome.labels,
      draining: welcome.draining,
      resume: welcome.resume,
      abandon: welcome.abandon,
    });
    for (const buildId of welcome.reassign) await this.assign(buildId);
    this.dispatchSoon();
  }

  private dispatchSoon(): void {
    void requestDispatch(this.deps);
  }

  private async handleCommand(command: Exclude<TAgentCommand, { type: "revoked" }>) {
    switch (command.type) {
      case "assign":
        if (this.welcomed) await this.assign(command.buildId);
        return;
      case "cancel":
        this.positions.forget(command.buildId);
        return this.sendCancel(command.buildId);
      case "drain":
        return this.send({ type: "DRAIN", v: 1, reason: "drained by an administrator" });
      case "resume":
        return this.send({ type: "RESUME", v: 1 });
    }
  }

  private async assign(buildId: string): Promise<void> {
    const assignment = await prepareAssignment(this.deps, this.agentId, buildId);
    if (assignment) this.send(assignment);
  }

  private sendCancel(buildId: string): void {
    this.send({ type: "CANCEL", v: 1, buildId, reason: "cancelled" });
  }
}
