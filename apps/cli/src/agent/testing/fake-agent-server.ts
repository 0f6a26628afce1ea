/**
 * A small server speaking the agent protocol over a real WebSocket on
 * 127.0.0.1, for the agent's tests: registration, authenticated upgrade,
 * WELCOME with resume points computed from what it stored, idempotent storage
 * of log chunks and events by (buildId, seq), cumulative acks.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import {
  AGENT_REGISTER_PATH,
  AGENT_SOCKET_PATH,
  decodeLogData,
  encodeMessage,
  parseAgentMessage,
  type TAgentToServer,
  type TServerToAgent,
} from "@kiln/protocol";
import { SAMPLE_SERVER_MESSAGES } from "@kiln/protocol/testing/sample-messages";

/**
 * An ASSIGN of `buildId` with the sample request, no env or catalogs, and the
 * gateway's relative upload URL; `over` replaces fields.
 */
export function fakeAssign(
  buildId: string,
  over: Partial<TServerToAgent<"ASSIGN">> = {},
): TServerToAgent<"ASSIGN"> {
  return {
    type: "ASSIGN",
    v: 1,
    buildId,
    number: 1,
    request: SAMPLE_SERVER_MESSAGES.ASSIGN.request,
    env: [],
    elementsPath: [],
    artifactUploadUrl: `/api/agents/builds/${buildId}/artifacts/`,
    ...over,
  };
}

/** The registration token a fake server accepts unless told another. */
export const FAKE_REGISTRATION_TOKEN = "kiln_reg_good_token_0123456789";

export interface FakeServerOptions {
  /** The one token registration accepts (default FAKE_REGISTRATION_TOKEN). */
  registrationToken?: string;
  heartbeatIntervalMs?: number;
  /** Answer BUILD_FINISHED with BUILD_FINISHED_ACK (default true). */
  ackFinished?: boolean;
  /** Catalog tarballs served at /api/agents/catalogs/<sha256>, by sha256. */
  catalogs?: Map<string, Buffer>;
}

export interface FakeUpload {
  buildId: string;
  fileName: string;
  body: Buffer;
  status: number;
}

export interface FakeAgentServer {
  url: string;
  secret: string;
  /** Every parsed frame, in arrival order. */
  frames: TAgentToServer[];
  badFrames: string[];
  registrations: number;
  upgrades: number;
  sockets: Set<WebSocket>;
  /** Every artifact PUT, in arrival order (refused ones too). */
  uploads: FakeUpload[];
  /** The next N artifact PUTs are answered 503 after reading the body (a flaky server). */
  failNextUploads: number;
  /** Catalog GETs answered. */
  catalogGets: number;
  /** While true, upgrades are answered 503 (server down, not an auth failure). */
  refuseUpgrades: boolean;
  /** Builds the next WELCOME tells the agent to abandon. */
  abandonOnWelcome: string[];
  send(message: TServerToAgent): void;
  waitFor<T extends TAgentToServer>(
    pred: (m: TAgentToServer) => m is T,
    timeoutMs?: number,
  ): Promise<T>;
  waitFor(pred: (m: TAgentToServer) => boolean, timeoutMs?: number): Promise<TAgentToServer>;
  /** Stored log bytes of a build, chunks concatenated in seq order. */
  log(buildId: string): Buffer;
  chunkSeqs(buildId: string): number[];
  eventSeqs(buildId: string): number[];
  /** Terminate every socket; `forgetLast` drops the newest stored chunks as if they were lost in flight. */
  dropAll(opts?: { forgetLast?: number }): void;
  closeAll(code: number, reason?: string): void;
  close(): Promise<void>;
}

export async function startFakeAgentServer(o: FakeServerOptions = {}): Promise<FakeAgentServer> {
  const token = o.registrationToken ?? FAKE_REGISTRATION_TOKEN;
  const secret = "agent-secret-0123456789abcdef";
  const chunks = new Map<string, Map<number, Buffer>>();
  const events = new Map<string, Map<number, unknown>>();
  const waiters: { pred: (m: TAgentToServer) => boolean; resolve: (m: TAgentToServer) => void }[] =
    [];
  const wss = new WebSocketServer({ noServer: true });
  const state = {
    frames: [] as TAgentToServer[],
    badFrames: [] as string[],
    registrations: 0,
    upgrades: 0,
    sockets: new Set<WebSocket>(),
    refuseUpgrades: false,
    abandonOnWelcome: [] as string[],
    uploads: [] as FakeUpload[],
    failNextUploads: 0,
    catalogGets: 0,
  };
  /** `${buildId}/${fileName}` → sha256 of the last accepted upload. */
  const stored = new Map<string, string>();

  const contiguous = (m: Map<number, unknown> | undefined): number | null => {
    let last = -1;
    while (m?.has(last + 1)) last++;
    return last < 0 ? null : last;
  };

  const server = http.createServer((req, res) => {
    const put = /^\/api\/agents\/builds\/([^/]+)\/artifacts\/([^/]+)$/.exec(req.url ?? "");
    if (req.method === "PUT" && put) return void onUpload(req, res, put[1]!, put[2]!);
    const cat = /^\/api\/agents\/catalogs\/([0-9a-f]{64})$/.exec(req.url ?? "");
    if (req.method === "GET" && cat) {
      const tgz = o.catalogs?.get(cat[1]!);
      if (req.headers.authorization !== `Bearer ${secret}`) return void res.writeHead(401).end();
      if (!tgz) return void res.writeHead(404).end();
      state.catalogGets++;
      return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(tgz);
    }
    if (req.method !== "POST" || req.url !== AGENT_REGISTER_PATH) {
      res.writeHead(404).end();
      return;
    }
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      state.registrations++;
      const parsed = JSON.parse(body) as {
        registrationToken?: string;
        labels?: Record<string, string>;
      };
      if (parsed.registrationToken !== token) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"bad token"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ agentId: "agent-1", agentSecret: secret, labels: parsed.labels ?? {} }),
      );
    });
  });

  server.on("upgrade", (req, socket, head) => {
    state.upgrades++;
    if (state.refuseUpgrades) {
      socket.end(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      return;
    }
    if (req.url !== AGENT_SOCKET_PATH || req.headers.authorization !== `Bearer ${secret}`) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      state.sockets.add(ws);
      ws.on("close", () => state.sockets.delete(ws));
      ws.on("message", (raw) => onFrame(ws, raw as Buffer));
    });
  });

  const out = (ws: WebSocket, m: TServerToAgent) => ws.send(encodeMessage(m));

  function onUpload(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    buildId: string,
    fileName: string,
  ) {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      const sha = createHash("sha256").update(body).digest("hex");
      let status = 201;
      if (req.headers.authorization !== `Bearer ${secret}`) status = 401;
      else if (state.failNextUploads > 0) {
        state.failNextUploads--;
        status = 503;
      } else if (req.headers["x-kiln-sha256"] !== sha) status = 400;
      else stored.set(`${buildId}/${decodeURIComponent(fileName)}`, sha);
      state.uploads.push({ buildId, fileName: decodeURIComponent(fileName), body, status });
      res.writeHead(status).end();
    });
  }

  function onFrame(ws: WebSocket, raw: Buffer) {
    const parsed = parseAgentMessage(raw);
    if (!parsed.ok) {
      state.badFrames.push(parsed.error.message);
      return;
    }
    const m = parsed.message;
    state.frames.push(m);
    switch (m.type) {
      case "HELLO":
        out(ws, {
          type: "WELCOME",
          v: 1,
          agentId: "agent-1",
          protocol: 1,
          heartbeatIntervalMs: o.heartbeatIntervalMs ?? 1000,
          labels: m.labels,
          draining: false,
          resume: m.builds.map((b) => ({
            buildId: b.buildId,
            lastLogSeq: contiguous(chunks.get(b.buildId)),
            lastEventSeq: contiguous(events.get(b.buildId)),
          })),
          abandon: state.abandonOnWelcome.splice(0),
        });
        break;
      case "HEARTBEAT":
        out(ws, { type: "HEARTBEAT_ACK", v: 1, serverTime: Date.now() });
        break;
      case "LOG_CHUNK": {
        const map = chunks.get(m.buildId) ?? new Map<number, Buffer>();
        chunks.set(m.buildId, map);
        map.set(m.seq, decodeLogData(m.data));
        const last = contiguous(map);
        if (last !== null) out(ws, { type: "LOG_ACK", v: 1, buildId: m.buildId, seq: last });
        break;
      }
      case "BUILD_EVENT": {
        const map = events.get(m.buildId) ?? new Map<number, unknown>();
        events.set(m.buildId, map);
        map.set(m.seq, m.event);
        const last = contiguous(map);
        if (last !== null) out(ws, { type: "EVENT_ACK", v: 1, buildId: m.buildId, seq: last });
        break;
      }
      case "ARTIFACT_READY": {
        const ok = stored.get(`${m.buildId}/${m.fileName}`) === m.sha256;
        out(ws, {
          type: "ARTIFACT_ACK",
          v: 1,
          buildId: m.buildId,
          fileName: m.fileName,
          ok,
          ...(ok ? {} : { reason: "no upload with that sha256" }),
        });
        break;
      }
      case "BUILD_FINISHED":
        if (o.ackFinished !== false)
          out(ws, { type: "BUILD_FINISHED_ACK", v: 1, buildId: m.buildId });
        break;
      default:
        break;
    }
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    secret,
    send(message: TServerToAgent) {
      for (const ws of state.sockets) out(ws, message);
    },
    waitFor(pred: (m: TAgentToServer) => boolean, timeoutMs = 5000) {
      const seen = state.frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<TAgentToServer>((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (!waiters.includes(w)) return;
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a frame`));
        }, timeoutMs);
      });
    },
    log(buildId: string) {
      const map = chunks.get(buildId) ?? new Map();
      return Buffer.concat([...map.keys()].sort((a, b) => a - b).map((k) => map.get(k)!));
    },
    chunkSeqs: (buildId: string) => [...(chunks.get(buildId)?.keys() ?? [])].sort((a, b) => a - b),
    eventSeqs: (buildId: string) => [...(events.get(buildId)?.keys() ?? [])].sort((a, b) => a - b),
    dropAll(opts: { forgetLast?: number } = {}) {
      for (const map of chunks.values()) {
        const keys = [...map.keys()].sort((a, b) => a - b);
        for (const k of keys.slice(keys.length - (opts.forgetLast ?? 0))) map.delete(k);
      }
      for (const ws of state.sockets) ws.terminate();
    },
    closeAll(code: number, reason = "") {
      for (const ws of state.sockets) ws.close(code, reason);
    },
    async close() {
      for (const ws of state.sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as FakeAgentServer;
}
