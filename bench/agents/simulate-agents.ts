// Simulated agents for the agents bench, many per process, speaking the real
// protocol over `ws`: register with a one-time token, HELLO, heartbeat, ACCEPT
// the assigned build, then write N log lines a second and send them as
// LOG_CHUNKs the way the real job runner batches (a flush `flushMs` after the
// first unsent line). Each line carries the time it was written. Frames are
// built with JSON.stringify instead of the protocol's validating encoder to
// keep this load generator light; the server still validates every frame.
import type { TServerToAgent } from "@kiln/protocol";
import type { WebSocket } from "ws";
import { connectSocket, hello, registerOverHttp } from "@kiln/server/testing/fake-agent";
import {
  formatLine,
  type TWorkerCommand,
  type TWorkerReport,
  type TWorkerResult,
} from "./bench-support.ts";

/** Line generation tick; lines are stamped with the tick's time. */
const TICK_MS = 5;
const REGISTER_CONCURRENCY = 8;

interface TChunkSent {
  seq: number;
  sentAt: number;
  lines: number;
}

class SimAgent {
  ws!: WebSocket;
  buildId: string | undefined;
  private seq = 0;
  private offset = 0;
  private lineNo = 0;
  private nextLineAt = 0;
  private pending: string[] = [];
  private pendingStamps: number[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private unacked: TChunkSent[] = [];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly index: number,
    private readonly sim: Simulation,
  ) {}

  async connect(url: string, token: string): Promise<void> {
    const name = `sim-${String(this.index).padStart(3, "0")}`;
    // The gateway tests' registration and upgrade, without labels.
    const reg = await registerOverHttp(url, token, name, {});
    if (reg.status !== 200)
      throw new Error(`${name}: register: ${reg.status} ${JSON.stringify(reg.body)}`);
    const ws = await connectSocket(url, reg.body.agentSecret);
    if (typeof ws === "number") throw new Error(`${name}: upgrade refused: ${ws}`);
    this.ws = ws;
    const welcome = new Promise<void>((resolve) => (this.onWelcome = resolve));
    this.ws.on("message", (data) => this.receive(data as Buffer));
    this.ws.on("close", (code) => {
      if (!this.sim.stopping) this.sim.error("CLOSED", `${name}: socket closed (${code})`);
    });
    // The gateway tests' HELLO, as a plain one-slot agent without labels.
    this.send({ ...hello(name), labels: {}, capacity: 1 });
    await welcome;
  }

  private onWelcome: (() => void) | undefined;

  private send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  private receive(data: Buffer): void {
    const m = JSON.parse(data.toString()) as TServerToAgent;
    switch (m.type) {
      case "WELCOME":
        this.heartbeat = setInterval(
          () =>
            this.send({
              type: "HEARTBEAT",
              v: 1,
              running: this.buildId ? [this.buildId] : [],
              freeSlots: this.buildId ? 0 : 1,
              draining: false,
            }),
          m.heartbeatIntervalMs,
        );
        this.onWelcome?.();
        return;
      case "ASSIGN":
        if (this.buildId) {
          this.send({
            type: "REJECT",
            v: 1,
            buildId: m.buildId,
            code: "NO_CAPACITY",
            reason: "busy",
          });
          return;
        }
        this.buildId = m.buildId;
        this.send({ type: "ACCEPT", v: 1, buildId: m.buildId });
        this.nextLineAt = Date.now() + Math.random() * (1000 / this.sim.linesPerSecond);
        this.sim.startedStreaming();
        return;
      case "LOG_ACK": {
        const now = Date.now();
        while (this.unacked.length && this.unacked[0]!.seq <= m.seq) {
          const c = this.unacked.shift()!;
          if (this.sim.inWindow(c.sentAt)) {
            this.sim.result.linesAcked += c.lines;
            this.sim.result.ackMs.push(now - c.sentAt);
          }
        }
        return;
      }
      case "ERROR":
        this.sim.error(m.code, m.message);
        return;
      default:
        return;
    }
  }

  /** Called every tick: write the lines that are due. */
  tick(now: number): void {
    if (!this.buildId) return;
    while (this.nextLineAt <= now) {
      this.nextLineAt += 1000 / this.sim.linesPerSecond;
      this.pending.push(formatLine(now, this.index, this.lineNo++));
      this.pendingStamps.push(now);
      if (this.sim.inWindow(now)) {
        this.sim.result.linesWritten++;
        const by = this.sim.result.linesWrittenByAgent;
        by[this.index] = (by[this.index] ?? 0) + 1;
      }
      this.flushTimer ??= setTimeout(() => this.flush(), this.sim.flushMs);
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (!this.pending.length || !this.buildId) return;
    const data = Buffer.from(this.pending.join(""), "utf8");
    const now = Date.now();
    if (this.sim.inWindow(now))
      for (const t of this.pendingStamps) this.sim.result.batchMs.push(now - t);
    this.send({
      type: "LOG_CHUNK",
      v: 1,
      buildId: this.buildId,
      seq: this.seq,
      offset: this.offset,
      data: data.toString("base64"),
    });
    this.unacked.push({ seq: this.seq, sentAt: now, lines: this.pending.length });
    if (this.sim.inWindow(now)) this.sim.result.chunksSent++;
    this.sim.result.maxBufferedBytes = Math.max(
      this.sim.result.maxBufferedBytes,
      this.ws.bufferedAmount,
    );
    this.seq++;
    this.offset += data.length;
    this.pending = [];
    this.pendingStamps = [];
  }

  get unackedCount(): number {
    return this.unacked.length;
  }

  stop(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.flushTimer);
    this.ws?.close();
  }
}

class Simulation {
  readonly agents: SimAgent[] = [];
  stopping = false;
  private window = { start: Infinity, end: -Infinity };
  private streaming = 0;
  result: TWorkerResult = {
    agents: 0,
    linesWritten: 0,
    linesWrittenByAgent: {},
    linesAcked: 0,
    chunksSent: 0,
    ackMs: [],
    batchMs: [],
    errors: {},
    maxBufferedBytes: 0,
    unacked: 0,
  };

  constructor(
    readonly linesPerSecond: number,
    readonly flushMs: number,
  ) {}

  inWindow(t: number): boolean {
    return t >= this.window.start && t < this.window.end;
  }

  setWindow(start: number, end: number): void {
    this.window = { start, end };
  }

  startedStreaming(): void {
    this.streaming++;
    report({ type: "streaming", agents: this.streaming });
  }

  error(code: string, message: string): void {
    this.result.errors[code] = (this.result.errors[code] ?? 0) + 1;
    this.result.firstError ??= `${code}: ${message}`;
  }

  async start(cmd: Extract<TWorkerCommand, { type: "start" }>): Promise<void> {
    cmd.tokens.forEach((_, i) => this.agents.push(new SimAgent(cmd.firstIndex + i, this)));
    let next = 0;
    const connectSome = async () => {
      while (next < this.agents.length) {
        const i = next++;
        await this.agents[i]!.connect(cmd.url, cmd.tokens[i]!);
      }
    };
    await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, connectSome));
    this.result.agents = this.agents.length;
    setInterval(() => {
      const now = Date.now();
      for (const a of this.agents) a.tick(now);
    }, TICK_MS);
    report({ type: "connected", agents: this.agents.length });
  }
}

function report(m: TWorkerReport): void {
  process.send!(m);
}

let sim: Simulation | undefined;
process.on("message", (cmd: TWorkerCommand) => {
  if (cmd.type === "start") {
    sim = new Simulation(cmd.linesPerSecond, cmd.flushMs);
    sim.start(cmd).catch((err: unknown) => report({ type: "failed", error: String(err) }));
  } else if (cmd.type === "window") sim?.setWindow(cmd.start, cmd.end);
  else if (cmd.type === "report" && sim) {
    sim.result.unacked = sim.agents.reduce((n, a) => n + a.unackedCount, 0);
    sim.stopping = true;
    for (const a of sim.agents) a.stop();
    report({ type: "result", result: sim.result });
    setTimeout(() => process.exit(0), 200);
  }
});
process.on("disconnect", () => process.exit(0));
