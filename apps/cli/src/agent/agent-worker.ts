/**
 * Worker layer: the session on top of the connection. Says HELLO on every
 * socket, resumes held builds after WELCOME, heartbeats at the server's
 * interval, accepts ASSIGN while a slot is free, honours DRAIN/CANCEL.
 */
import type { Logger } from "@kiln/contracts/logger";
import {
  PROTOCOL_VERSION,
  SUPPORTED_VERSIONS,
  type THostFacts,
  type TRecovered,
  type TServerToAgent,
} from "@kiln/protocol";
import { AgentConnection } from "./agent-connection.ts";
import type { BackoffOptions } from "./compute-backoff.ts";
import type { BuildExecutor } from "./build-executor.ts";
import { JobRunner } from "./job-runner.ts";

export interface AgentWorkerOptions {
  server: string;
  agentId: string;
  secret: string;
  name: string;
  version: string;
  arch: string;
  labels: Record<string, string>;
  /** Builds run at once (--max-builds). */
  capacity: number;
  hostFacts: THostFacts;
  /** What start-up cleanup removed, reported in the first HELLO. */
  recovered?: TRecovered;
  executor: BuildExecutor;
  workDir: string;
  logger: Logger;
  backoff?: BackoffOptions;
  /** Log batching interval (ms). */
  flushMs?: number;
  /** Retry delays of artifact uploads (default: the reconnect backoff's defaults). */
  uploadBackoff?: BackoffOptions;
}

export class AgentWorker {
  readonly connection: AgentConnection;
  /** Builds held: running, or finished but not yet acknowledged. */
  readonly jobs = new Map<string, JobRunner>();
  /** Builds abandoned by the server whose jobs are still stopping and cleaning up. */
  private readonly tearingDown = new Set<string>();
  draining = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private recoveredSent = false;

  constructor(private readonly o: AgentWorkerOptions) {
    this.connection = new AgentConnection({
      server: o.server,
      secret: o.secret,
      logger: o.logger,
      backoff: o.backoff,
      onOpen: () => this.hello(),
      onMessage: (m) => this.handle(m),
      onClose: () => this.pauseAll(),
    });
  }

  /** Runs until stopped (resolves) or refused for good (rejects with AgentFatalError). */
  start(): Promise<void> {
    this.connection.start();
    return this.connection.done.finally(() => this.stopHeartbeat());
  }

  /** Abort running builds, wait for them, close the socket. */
  async stop(): Promise<void> {
    this.draining = true;
    const running = [...this.jobs.values()].filter((j) => !j.finished);
    for (const j of running) j.cancel("agent stopping");
    await Promise.all(running.map((j) => j.done));
    this.stopHeartbeat();
    this.connection.stop();
  }

  get running(): string[] {
    return [...this.jobs.values()].filter((j) => !j.finished).map((j) => j.buildId);
  }

  private send = (m: Parameters<AgentConnection["send"]>[0]) => this.connection.send(m);

  private hello(): void {
    const o = this.o;
    this.send({
      type: "HELLO",
      v: 1,
      agentId: o.agentId,
      name: o.name,
      version: o.version,
      arch: o.arch,
      labels: o.labels,
      capacity: o.capacity,
      protocols: [...SUPPORTED_VERSIONS],
      hostFacts: o.hostFacts,
      builds: [...this.jobs.values()].map((j) => j.position),
      ...(o.recovered && !this.recoveredSent ? { recovered: o.recovered } : {}),
    });
  }

  private handle(m: TServerToAgent): void {
    this.lastHeard = Date.now();
    const job = "buildId" in m && m.buildId ? this.jobs.get(m.buildId) : undefined;
    switch (m.type) {
      case "WELCOME":
        return this.welcome(m);
      case "HEARTBEAT_ACK":
        return;
      case "ASSIGN":
        return this.assign(m);
      case "LOG_ACK":
        return job?.ack("log", m.seq);
      case "EVENT_ACK":
        return job?.ack("event", m.seq);
      case "ARTIFACT_ACK":
        return job?.artifactAck(m);
      case "BUILD_FINISHED_ACK":
        if (job?.finished) {
          job.dispose();
          this.jobs.delete(m.buildId);
        }
        return;
      case "CANCEL":
        if (job) job.cancel(m.reason);
        else
          this.o.logger.warn("CANCEL for a build this agent does not hold", { buildId: m.buildId });
        return;
      case "DRAIN":
        this.draining = true;
        this.o.logger.info("draining", { reason: m.reason });
        return;
      case "RESUME":
        this.draining = false;
        return;
      case "REVOKED":
        this.o.logger.error("agent revoked", { reason: m.reason });
        return;
      case "ERROR":
        this.o.logger.warn("server reported an error", { code: m.code, message: m.message });
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private welcome(m: TServerToAgent<"WELCOME">): void {
    if (m.protocol !== PROTOCOL_VERSION)
      this.o.logger.warn("server chose protocol", { v: m.protocol });
    this.recoveredSent = true;
    this.draining = m.draining;
    for (const id of m.abandon) {
      const job = this.jobs.get(id);
      if (!job) continue;
      this.o.logger.warn("server abandoned build", { buildId: id });
      job.cancel("abandoned by the server");
      // Until it has torn down, the same build may not start again here: the new attempt
      // would share (and the old one's dispose delete) its spool and work directory.
      this.tearingDown.add(id);
      void job.done.then(() => job.dispose()).finally(() => this.tearingDown.delete(id));
      this.jobs.delete(id);
    }
    const resume = new Map(m.resume.map((r) => [r.buildId, r]));
    // Builds the server did not mention are resent from their last ack; stores are idempotent.
    for (const job of this.jobs.values()) job.resume(resume.get(job.buildId) ?? job.acked);
    this.startHeartbeat(m.heartbeatIntervalMs);
  }

  private assign(m: TServerToAgent<"ASSIGN">): void {
    const reject = (
      code: "DRAINING" | "NO_CAPACITY" | "DUPLICATE" | "HOST_NOT_READY",
      reason: string,
    ) => this.send({ type: "REJECT", v: 1, buildId: m.buildId, code, reason });
    if (this.jobs.has(m.buildId))
      return void reject("DUPLICATE", "this agent already holds the build");
    if (this.tearingDown.has(m.buildId))
      return void reject("DUPLICATE", "this agent is still tearing down an earlier attempt");
    if (this.draining) return void reject("DRAINING", "agent is draining");
    if (!this.o.hostFacts.canBuild) return void reject("HOST_NOT_READY", "host pre-flight failed");
    if (this.running.length >= this.o.capacity)
      return void reject("NO_CAPACITY", `all ${this.o.capacity} slots busy`);
    this.send({ type: "ACCEPT", v: 1, buildId: m.buildId });
    const job = new JobRunner({
      assign: m,
      executor: this.o.executor,
      workDir: this.o.workDir,
      send: this.send,
      logger: this.o.logger,
      flushMs: this.o.flushMs,
      secret: this.o.secret,
      server: this.o.server,
      uploadBackoff: this.o.uploadBackoff,
    });
    this.jobs.set(m.buildId, job);
    job.resume({ lastLogSeq: null, lastEventSeq: null });
  }

  private pauseAll(): void {
    this.stopHeartbeat();
    for (const j of this.jobs.values()) j.pause();
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.lastHeard = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeard > 3 * intervalMs) {
        this.connection.drop(`no answer from the server for ${3 * intervalMs} ms`);
        return;
      }
      this.send({
        type: "HEARTBEAT",
        v: 1,
        running: this.running,
        freeSlots: Math.max(0, this.o.capacity - this.running.length),
        draining: this.draining,
      });
    }, intervalMs);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
