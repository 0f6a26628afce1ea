/**
 * One agent's WebSocket session, transport-free: the gateway hands it raw
 * frames and bus commands, it answers through `send` and `close`. Frames are
 * handled one at a time in arrival order (log chunks and events must land in
 * order), and nothing a peer sends can make it throw.
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
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { assignFrameFor } from "../../gateway/assign-frame.ts";
import {
  errorUnassignable,
  finishBuild,
  requeueRejected,
  startBuild,
} from "../../gateway/build-transitions.ts";
import { StreamPositions } from "../../gateway/stream-positions.ts";
import { appendLogChunk } from "../builds/append-log-chunk.ts";
import { ACTIVE_STATUSES, isTerminal } from "../builds/build-status.ts";
import type { TAgentCommand } from "../builds/build-topics.ts";
import { artifactStorageKey, recordArtifact, recordManifest } from "../builds/record-artifact.ts";
import { recordBuildEvent } from "../builds/record-build-event.ts";
import { storedLabels } from "../stored-json.ts";
import { requestDispatch } from "../dispatch/request-dispatch.ts";
import { loseBuild } from "../dispatch/lose-build.ts";
import { normalizeArch } from "./register-agent.ts";
import { checkArtifactUpload, type TUploadHashes } from "./check-artifact-upload.ts";
import { markAgentAlive } from "./mark-agent-alive.ts";

export interface TAgentSessionOptions extends TUploadHashes {
  /** Sent in WELCOME; the agent beats this often. */
  heartbeatIntervalMs: number;
  /** Bad frames tolerated per window before the socket is closed (PROTOCOL_ABUSE). */
  maxBadFrames: number;
  badFrameWindowMs: number;
}

export interface TSessionTransport {
  send(frame: string): void;
  close(code: number, reason: string): void;
}

type Msg<K extends TAgentToServer["type"]> = TAgentToServer<K>;

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
  command(cmd: TAgentCommand): void {
    if (this.closed) return;
    if (cmd?.type === "revoked") {
      // At once, not behind queued frames.
      this.send({ type: "REVOKED", v: 1, reason: "this agent was revoked by an administrator" });
      this.close(CLOSE_CODES.REVOKED, "revoked");
      return;
    }
    this.enqueue(() => this.handleCommand(cmd));
  }

  /** The socket is gone: mark the agent OFFLINE unless `replaced`. */
  async ended(replaced: boolean): Promise<void> {
    this.closed = true;
    await Promise.all([this.queue, this.beat]);
    if (replaced) return;
    await this.deps.db.prisma.agent
      .updateMany({
        where: { id: this.agentId, state: { in: ["ONLINE", "DRAINING"] } },
        data: { state: "OFFLINE" },
      })
      .catch((err: unknown) => this.warn("marking agent offline failed", err));
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
    this.badFrames = this.badFrames.filter((t) => now - t < this.opts.badFrameWindowMs);
    this.badFrames.push(now);
    if (this.badFrames.length > this.opts.maxBadFrames) {
      this.close(CLOSE_CODES.PROTOCOL_ABUSE, "too many invalid frames");
    }
  }

  private warn(msg: string, err: unknown): void {
    this.deps.logger.warn(msg, { agentId: this.agentId, err: String(err) });
  }

  private error(code: string, message: string, refType: string, buildId?: string): void {
    this.send({ type: "ERROR", v: 1, code, message, refType, ...(buildId ? { buildId } : {}) });
  }

  private async handle(m: TAgentToServer): Promise<void> {
    if (m.type === "HELLO") return this.hello(m);
    if (!this.welcomed) {
      this.error("NOT_HELLO", "send HELLO first", m.type);
      this.countBad();
      return;
    }
    try {
      switch (m.type) {
        case "HEARTBEAT":
          return await this.heartbeat();
        case "ACCEPT":
          return await this.accept(m);
        case "REJECT":
          return await this.reject(m);
        case "BUILD_EVENT": {
          await recordBuildEvent(this.deps, m.buildId, m.seq, m.event, { agentId: this.agentId });
          const seq = await this.positions.stored("event", m.buildId, m.seq);
          if (seq !== null) this.send({ type: "EVENT_ACK", v: 1, buildId: m.buildId, seq });
          return;
        }
        case "LOG_CHUNK": {
          const data = decodeLogData(m.data) as Uint8Array<ArrayBuffer>;
          const c = { buildId: m.buildId, seq: m.seq, offset: m.offset, data };
          await appendLogChunk(this.deps, { ...c, agentId: this.agentId });
          const seq = await this.positions.stored("log", m.buildId, m.seq);
          if (seq !== null) this.send({ type: "LOG_ACK", v: 1, buildId: m.buildId, seq });
          return;
        }
        case "ARTIFACT_READY":
          return await this.artifactReady(m);
        case "MANIFEST":
          return await recordManifest(this.deps, { ...m, agentId: this.agentId });
        case "BUILD_FINISHED":
          return await this.finished(m);
        case "ERROR":
          this.deps.logger.warn("agent reported an error", { agentId: this.agentId, ...m });
          return;
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const buildId = (m as { buildId?: string }).buildId;
      const code =
        err.code === "NOT_FOUND"
          ? "UNKNOWN_BUILD"
          : err.code === "CONFLICT"
            ? "NOT_ASSIGNED"
            : "INVALID";
      this.error(code, err.message, m.type, buildId);
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

  private async hello(m: Msg<"HELLO">): Promise<void> {
    if (m.agentId !== undefined && m.agentId !== this.agentId) {
      this.error("INVALID", "HELLO.agentId is not the agent this secret belongs to", "HELLO");
      return this.close(CLOSE_CODES.UNAUTHORIZED, "agent id mismatch");
    }
    const protocol = Math.max(...m.protocols.filter((v) => SUPPORTED_VERSIONS.includes(v as 1)));
    if (!Number.isFinite(protocol)) {
      this.error(
        "UNSUPPORTED_VERSION",
        `server speaks v${SUPPORTED_VERSIONS.join(", v")}`,
        "HELLO",
      );
      return this.close(CLOSE_CODES.UNSUPPORTED_VERSION, "no common protocol version");
    }
    const p = this.deps.db.prisma;
    const agent = await p.agent.findUniqueOrThrow({ where: { id: this.agentId } });
    const labels = { ...storedLabels(agent, "Agent"), ...m.labels };
    // The administrator's choice outlives the connection: a drained agent stays drained.
    const draining = agent.draining;
    await p.agent.update({
      where: { id: this.agentId },
      data: {
        state: draining ? "DRAINING" : "ONLINE",
        arch: normalizeArch(m.arch),
        labels: JSON.stringify(labels),
        version: m.version,
        capacity: m.capacity,
        hostFacts: JSON.stringify({
          ...m.hostFacts,
          ...(m.recovered ? { recovered: m.recovered } : {}),
        }),
        lastSeenAt: this.deps.now(),
      },
    });
    const held = new Map(m.builds.map((b) => [b.buildId, b]));
    const resume: TServerToAgent<"WELCOME">["resume"] = [];
    const abandon: string[] = [];
    const rows = await p.build.findMany({
      where: {
        OR: [
          { id: { in: [...held.keys()] } },
          { agentId: this.agentId, status: { in: ACTIVE_STATUSES } },
        ],
      },
    });
    const reassign: typeof rows = [];
    for (const b of rows) {
      const h = held.get(b.id);
      held.delete(b.id);
      const mine = b.agentId === this.agentId && !b.deletedAt;
      if (!h) {
        // Active here but the agent no longer holds it: a never-accepted ASSIGN is sent
        // again, a running build was lost with the agent's previous life.
        if (b.status === "ASSIGNED") reassign.push(b);
        else await loseBuild(this.deps, b, "agent restarted without it");
      } else if (mine && (!isTerminal(b.status) || h.finished)) {
        resume.push({
          buildId: b.id,
          lastLogSeq: await this.positions.last("log", b.id),
          lastEventSeq: await this.positions.last("event", b.id),
        });
      } else abandon.push(b.id);
    }
    abandon.push(...held.keys()); // unknown to this server
    this.welcomed = true;
    this.send({
      type: "WELCOME",
      v: 1,
      agentId: this.agentId,
      protocol,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
      labels,
      draining,
      resume,
      abandon,
    });
    for (const b of reassign) await this.assign(b.id);
    this.dispatchSoon();
  }

  private dispatchSoon(): void {
    void requestDispatch(this.deps);
  }

  private async handleCommand(cmd: TAgentCommand): Promise<void> {
    switch (cmd?.type) {
      case "assign":
        if (this.welcomed) await this.assign(cmd.buildId);
        return;
      case "cancel":
        this.positions.forget(cmd.buildId);
        return this.send({ type: "CANCEL", v: 1, buildId: cmd.buildId, reason: "cancelled" });
      case "drain":
        return this.send({ type: "DRAIN", v: 1, reason: "drained by an administrator" });
      case "resume":
        return this.send({ type: "RESUME", v: 1 });
      default:
        return;
    }
  }

  private async assign(buildId: string): Promise<void> {
    const p = this.deps.db.prisma;
    const build = await p.build.findUnique({ where: { id: buildId } });
    if (!build || build.agentId !== this.agentId || build.status !== "ASSIGNED") return;
    let frame: TServerToAgent<"ASSIGN">;
    try {
      frame = await assignFrameFor(this.deps, build);
    } catch (err) {
      await errorUnassignable(this.deps, buildId, String((err as Error)?.message ?? err));
      return;
    }
    this.send(frame);
  }

  private async accept(m: Msg<"ACCEPT">): Promise<void> {
    const p = this.deps.db.prisma;
    await startBuild(this.deps, this.agentId, m.buildId);
    const build = await p.build.findUnique({ where: { id: m.buildId } });
    if (!build || build.agentId !== this.agentId) {
      return this.error(
        "NOT_ASSIGNED",
        `build ${m.buildId} is not assigned to this agent`,
        "ACCEPT",
        m.buildId,
      );
    }
    if (build.cancelRequestedAt && !isTerminal(build.status)) {
      this.send({ type: "CANCEL", v: 1, buildId: m.buildId, reason: "cancelled" });
    }
  }

  private async reject(m: Msg<"REJECT">): Promise<void> {
    await requeueRejected(this.deps, this.agentId, m);
  }

  private async artifactReady(m: Msg<"ARTIFACT_READY">): Promise<void> {
    const key = artifactStorageKey(m.buildId, m.fileName);
    const ack = (ok: boolean, reason?: string) =>
      this.send({
        type: "ARTIFACT_ACK",
        v: 1,
        buildId: m.buildId,
        fileName: m.fileName,
        ok,
        ...(reason ? { reason } : {}),
      });
    const refused = await checkArtifactUpload(this.deps, this.opts, key, m);
    if (refused) return ack(false, refused);
    await recordArtifact(this.deps, {
      buildId: m.buildId,
      type: m.kind,
      fileName: m.fileName,
      sizeBytes: m.sizeBytes,
      sha256: m.sha256,
      md5: m.md5,
      storageKey: key,
      agentId: this.agentId,
    });
    ack(true);
  }

  private async finished(m: Msg<"BUILD_FINISHED">): Promise<void> {
    const p = this.deps.db.prisma;
    const build = await p.build.findUnique({ where: { id: m.buildId } });
    const ack = () => this.send({ type: "BUILD_FINISHED_ACK", v: 1, buildId: m.buildId });
    // Gone or handed to another agent: nothing to keep, let the agent drop it.
    if (!build || build.agentId !== this.agentId || build.deletedAt) return ack();
    const log = await this.positions.last("log", m.buildId);
    const events = await this.positions.last("event", m.buildId);
    // Not everything has landed yet: no ack, the agent resends the rest and this frame.
    if ((m.lastLogSeq ?? -1) > (log ?? -1) || (m.lastEventSeq ?? -1) > (events ?? -1)) return;
    await finishBuild(this.deps, m);
    this.positions.forget(m.buildId);
    ack();
    this.dispatchSoon();
  }
}
