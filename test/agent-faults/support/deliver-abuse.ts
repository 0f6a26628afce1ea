/**
 * Delivers hostile frames to the gateway over as many connections as it
 * takes: several registered abuser agents work through one frame list in
 * parallel, each on one socket at a time. A socket is used until the frame
 * that must make the server close it (the bad frame over the gateway's
 * limit, a frame over the size limit, a lying HELLO, non-UTF-8 text); then
 * the close code is checked and a new socket is opened. Every frame counted
 * as delivered was written before the server had any reason to stop reading.
 */
import WebSocket from "ws";
import { AGENT_SOCKET_PATH } from "@kiln/protocol";
import { expectedVerdict, type TAbuseFrame } from "./abuse-frames.ts";

export interface TAbuser {
  agentId: string;
  secret: string;
}

export interface AbuseReport {
  delivered: number;
  connections: number;
  /** Close codes seen, with how often. */
  closes: Record<number, number>;
  /** Frames by kind, delivered. */
  kinds: Record<string, number>;
  /** Where the server did something else than expected (wrong code, early or missing close). */
  mismatches: string[];
  /** Time spent opening sockets, writing frames and waiting for the server's closes (summed over abusers). */
  ms: { open: number; send: number; close: number };
}

export async function deliverAbuse(o: {
  server: string;
  abusers: TAbuser[];
  frames: TAbuseFrame[];
  /** The gateway's bad-frame limit per window. */
  maxBadFrames: number;
}): Promise<AbuseReport> {
  const report: AbuseReport = {
    delivered: 0,
    connections: 0,
    closes: {},
    kinds: {},
    mismatches: [],
    ms: { open: 0, send: 0, close: 0 },
  };
  const url = new URL(AGENT_SOCKET_PATH, o.server.replace(/^http/, "ws")).toString();
  let next = 0;

  async function connection(a: TAbuser): Promise<boolean> {
    if (next >= o.frames.length) return false;
    report.connections++;
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${a.secret}` },
      maxPayload: 64 << 20,
    });
    let closeCode: number | undefined;
    const closed = new Promise<number>((resolve) =>
      ws.once("close", (code) => resolve((closeCode = code))),
    );
    ws.on("error", () => undefined);
    let t = Date.now();
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
      );
      ws.once("close", () => reject(new Error("closed before open")));
    });
    report.ms.open += Date.now() - t;
    let helloed = false;
    let bad = 0;
    while (next < o.frames.length) {
      const index = next++;
      const f = o.frames[index]!;
      if (closeCode !== undefined) {
        report.mismatches.push(
          `socket closed early (${closeCode}) before frame ${index} (${f.kind}), ${bad} bad so far`,
        );
        return true;
      }
      const verdict = expectedVerdict(f, { helloed, agentId: a.agentId });
      t = Date.now();
      await new Promise<void>((resolve, reject) =>
        ws.send(f.data, { binary: f.binary }, (err) => (err ? reject(err) : resolve())),
      );
      report.ms.send += Date.now() - t;
      report.delivered++;
      report.kinds[f.kind] = (report.kinds[f.kind] ?? 0) + 1;
      if (verdict.hello) helloed = true;
      if (verdict.bad) bad++;
      const expected = verdict.closes ?? (bad > o.maxBadFrames ? 4008 : undefined);
      if (expected === undefined) continue;
      t = Date.now();
      const code = await Promise.race([
        closed,
        new Promise<number>((r) => setTimeout(() => r(-1), 10_000)),
      ]);
      report.ms.close += Date.now() - t;
      report.closes[code] = (report.closes[code] ?? 0) + 1;
      if (code !== expected) {
        report.mismatches.push(
          `frame ${index} (${f.kind}): expected close ${expected}, got ${code}`,
        );
        ws.terminate();
      }
      return true;
    }
    ws.close(1000);
    await closed;
    return false;
  }

  await Promise.all(
    o.abusers.map(async (a) => {
      while (await connection(a));
    }),
  );
  return report;
}
