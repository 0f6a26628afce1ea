/**
 * Job runner: one per build. Owns the abort controller, the log streamer
 * (batches output into LOG_CHUNKs every `flushMs`) and the event stream; both
 * are spooled first and sent only while the session is live, so a dropped
 * socket loses nothing: `resume` resends from the server's stored seqs.
 */
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "@kiln/contracts/logger";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import {
  encodeLogData,
  MAX_LOG_CHUNK_BYTES,
  type TAgentToServer,
  type TServerToAgent,
} from "@kiln/protocol";
import { BuildSpool } from "./build-spool.ts";
import type { BuildExecutor, BuildOutcome } from "./build-executor.ts";
import type { BackoffOptions } from "./compute-backoff.ts";
import { digestFile, uploadArtifact } from "./upload-artifact.ts";
import { readManifest } from "./read-manifest.ts";
import { fetchCatalogs } from "./fetch-catalogs.ts";

export interface JobRunnerOptions {
  assign: TServerToAgent<"ASSIGN">;
  executor: BuildExecutor;
  /** Agent work dir; the build's spool and work dir go under `builds/<buildId>`. */
  workDir: string;
  /** Writes a frame when the socket is open; false when it is not. */
  send: (message: TAgentToServer) => boolean;
  logger: Logger;
  /** Log batching interval (ms). */
  flushMs?: number;
  /** Agent secret for the artifact PUTs; without it artifacts are not uploaded. */
  secret?: string;
  /** Server base URL, to resolve a relative `artifactUploadUrl`. */
  server?: string;
  /** Retry delays of artifact uploads. */
  uploadBackoff?: BackoffOptions;
}

type TReady = TAgentToServer<"ARTIFACT_READY">;
type TArtifactEvent = Extract<TBuildEvent, { type: "artifact" }>;

export class JobRunner {
  readonly buildId: string;
  readonly spool: BuildSpool;
  private readonly controller = new AbortController();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Frames go out only while the session is live (after WELCOME). */
  private live = false;
  private sentLogSeq: number | null = null;
  private sentEventSeq: number | null = null;
  private finishedMessage: TAgentToServer<"BUILD_FINISHED"> | undefined;
  private cancelled: "cancel" | "timeout" | undefined;
  private readonly artifacts: TArtifactEvent[] = [];
  /** ARTIFACT_READY frames awaiting ARTIFACT_ACK, resent on reconnect. */
  private readonly awaitingAck = new Map<
    string,
    { ready: TReady; resolve: (a: { ok: boolean; reason?: string }) => void }
  >();
  private manifestMessage: TAgentToServer<"MANIFEST"> | undefined;
  /** Resolves when the executor has returned (the slot is free). */
  readonly done: Promise<BuildOutcome>;

  constructor(private readonly o: JobRunnerOptions) {
    this.buildId = o.assign.buildId;
    this.spool = new BuildSpool(path.join(o.workDir, "builds", this.buildId, "spool"));
    this.done = this.run();
  }

  /** The job ended locally (BUILD_FINISHED exists, maybe not yet acknowledged). */
  get finished(): boolean {
    return this.finishedMessage !== undefined;
  }

  /** Last seqs sent on the current or last socket, for HELLO. */
  get position() {
    return {
      buildId: this.buildId,
      lastLogSeq: this.sentLogSeq,
      lastEventSeq: this.sentEventSeq,
      finished: this.finished,
    };
  }

  cancel(reason: string): void {
    if (this.controller.signal.aborted) return;
    this.cancelled ??= "cancel";
    this.writeLog(`kiln: cancelling: ${reason}\n`);
    this.controller.abort(new Error(reason));
  }

  /** The socket is gone: keep building, spool only. */
  pause(): void {
    this.live = false;
  }

  /** After WELCOME: resend everything past the server's stored seqs, then go live. */
  resume(stored: { lastLogSeq: number | null; lastEventSeq: number | null }): void {
    for (const e of this.spool.eventsAfter(stored.lastEventSeq)) this.sendEvent(e.seq, e.event);
    for (const c of this.spool.chunksAfter(stored.lastLogSeq))
      this.sendChunk(c.seq, c.offset, c.data);
    this.sentEventSeq = this.spool.lastEventSeq;
    this.sentLogSeq = this.spool.lastLogSeq;
    this.live = true;
    for (const w of this.awaitingAck.values()) this.o.send(w.ready);
    if (this.manifestMessage) this.o.send(this.manifestMessage);
    if (this.finishedMessage) this.o.send(this.finishedMessage);
  }

  /** ARTIFACT_ACK from the server. */
  artifactAck(m: TServerToAgent<"ARTIFACT_ACK">): void {
    const w = this.awaitingAck.get(m.fileName);
    if (!w) return;
    this.awaitingAck.delete(m.fileName);
    w.resolve({ ok: m.ok, ...(m.reason ? { reason: m.reason } : {}) });
  }

  /** LOG_ACK / EVENT_ACK are cumulative; kept as the fallback resume point. */
  readonly acked: { lastLogSeq: number | null; lastEventSeq: number | null } = {
    lastLogSeq: null,
    lastEventSeq: null,
  };

  ack(stream: "log" | "event", seq: number): void {
    const key = stream === "log" ? "lastLogSeq" : "lastEventSeq";
    this.acked[key] = Math.max(this.acked[key] ?? -1, seq);
  }

  /** BUILD_FINISHED_ACK (or abandon): drop the spool and the build's work dir. */
  dispose(): void {
    this.controller.abort(new Error("disposed"));
    fs.rmSync(path.dirname(this.spool.dir), { recursive: true, force: true });
  }

  private async run(): Promise<BuildOutcome> {
    const { assign, logger } = this.o;
    let timer: NodeJS.Timeout | undefined;
    if (assign.timeoutMs) {
      timer = setTimeout(() => {
        this.cancelled ??= "timeout";
        this.writeLog(`kiln: build timed out after ${assign.timeoutMs} ms\n`);
        this.controller.abort(new Error("timeout"));
      }, assign.timeoutMs);
    }
    let outcome: BuildOutcome;
    try {
      outcome = await this.o.executor.run({
        buildId: this.buildId,
        assign,
        workDir: path.join(this.o.workDir, "builds", this.buildId, "work"),
        signal: this.controller.signal,
        emit: (event) => this.emitEvent(event),
        writeLog: (data) => this.writeLog(data),
        logger,
        fetchCatalogs: (fo) => {
          if (assign.elementsPath.length === 0) return Promise.resolve([]);
          const names = assign.elementsPath.map((e) => `${e.name}@${e.sha256.slice(0, 12)}`);
          this.writeLog(`kiln: element catalogs: ${names.join(", ")}\n`);
          return fetchCatalogs({
            entries: assign.elementsPath,
            localTrees: fo?.localTrees ?? [],
            server: this.o.server ?? "http://127.0.0.1/",
            secret: this.o.secret ?? "",
            workDir: this.o.workDir,
            signal: this.controller.signal,
            logger,
          });
        },
      });
    } catch (err) {
      // Executors should not throw; if one does it is the system's failure, not the user's.
      outcome = { status: "errored", error: { code: "AGENT", message: (err as Error).message } };
    } finally {
      clearTimeout(timer);
    }
    if (outcome.status === "succeeded" && !this.controller.signal.aborted) {
      outcome = await this.deliverArtifacts(outcome);
    }
    if (this.cancelled === "timeout") {
      outcome = { status: "errored", error: { code: "TIMEOUT", message: "build timed out" } };
    } else if (this.cancelled === "cancel" && outcome.status !== "failed") {
      outcome = { ...outcome, status: "cancelled" };
    }
    this.flush();
    this.finishedMessage = {
      type: "BUILD_FINISHED",
      v: 1,
      buildId: this.buildId,
      status: outcome.status,
      ...(outcome.error ? { error: outcome.error } : {}),
      lastLogSeq: this.spool.lastLogSeq,
      lastEventSeq: this.spool.lastEventSeq,
      logBytes: this.spool.logBytes,
    };
    if (this.live) this.o.send(this.finishedMessage);
    logger.info("build finished", { buildId: this.buildId, status: outcome.status });
    return outcome;
  }

  /**
   * Upload every artifact, announce it with ARTIFACT_READY and wait for the
   * server's ack, so BUILD_FINISHED only goes out once the images are safe.
   * A refused ack (e.g. hash mismatch) earns one re-upload; then the build errors.
   */
  private async deliverArtifacts(outcome: BuildOutcome): Promise<BuildOutcome> {
    const { assign } = this.o;
    try {
      for (const a of this.artifacts) {
        if (!this.o.secret) throw new Error("no agent secret to upload artifacts with");
        const fileName = path.basename(a.path);
        const digest = await digestFile(a.path);
        const url = new URL(
          `${assign.artifactUploadUrl}${encodeURIComponent(fileName)}`,
          this.o.server ?? "http://127.0.0.1/",
        ).toString();
        let ack: { ok: boolean; reason?: string } = { ok: false };
        for (let attempt = 0; attempt < 2 && !ack.ok; attempt++) {
          this.writeLog(`kiln: uploading ${fileName} (${digest.sizeBytes} bytes)\n`);
          await uploadArtifact({
            url,
            file: a.path,
            sha256: digest.sha256,
            secret: this.o.secret,
            signal: this.controller.signal,
            backoff: this.o.uploadBackoff,
          });
          const ready: TReady = {
            type: "ARTIFACT_READY",
            v: 1,
            buildId: this.buildId,
            kind: a.kind,
            fileName,
            ...digest,
          };
          ack = await new Promise((resolve) => {
            this.awaitingAck.set(fileName, { ready, resolve });
            if (this.live) this.o.send(ready);
            this.controller.signal.addEventListener(
              "abort",
              () => resolve({ ok: false, reason: "aborted" }),
              { once: true },
            );
          });
          this.awaitingAck.delete(fileName);
        }
        if (!ack.ok) throw new Error(`server refused ${fileName}: ${ack.reason ?? "no reason"}`);
      }
      if (outcome.packagesFile && fs.existsSync(outcome.packagesFile)) {
        this.manifestMessage = {
          type: "MANIFEST",
          v: 1,
          buildId: this.buildId,
          packages: readManifest(outcome.packagesFile),
        };
        if (this.live) this.o.send(this.manifestMessage);
      }
      return outcome;
    } catch (err) {
      const message = (err as Error).message.split("\n")[0]!.slice(0, 4000);
      this.writeLog(`kiln: ${message}\n`);
      this.o.logger.error("artifact delivery failed", { buildId: this.buildId, error: message });
      return { status: "errored", error: { code: "ARTIFACT_UPLOAD", message } };
    }
  }

  private emitEvent(event: TBuildEvent): void {
    if (event.type === "artifact") this.artifacts.push(event);
    // Log bytes before an event go first, so the event lands after the lines that led to it.
    this.flush();
    const seq = this.spool.appendEvent(event);
    if (this.live) this.sendEvent(seq, event);
  }

  private writeLog(data: string | Uint8Array): void {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    if (buf.length === 0) return;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= MAX_LOG_CHUNK_BYTES) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.o.flushMs ?? 150);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingBytes === 0) return;
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    for (let at = 0; at < all.length; at += MAX_LOG_CHUNK_BYTES) {
      const chunk = this.spool.appendChunk(all.subarray(at, at + MAX_LOG_CHUNK_BYTES));
      if (this.live) this.sendChunk(chunk.seq, chunk.offset, chunk.data);
    }
  }

  private sendEvent(seq: number, event: TBuildEvent): void {
    if (this.o.send({ type: "BUILD_EVENT", v: 1, buildId: this.buildId, seq, event }))
      this.sentEventSeq = seq;
  }

  private sendChunk(seq: number, offset: number, data: Buffer): void {
    const ok = this.o.send({
      type: "LOG_CHUNK",
      v: 1,
      buildId: this.buildId,
      seq,
      offset,
      data: encodeLogData(data),
    });
    if (ok) this.sentLogSeq = seq;
  }
}
