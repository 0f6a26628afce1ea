/**
 * A scripted agent over a real WebSocket, for the gateway tests: sends
 * protocol frames, collects the server's, and waits for a given type.
 * Not a test file itself.
 */
import {
  AGENT_REGISTER_PATH,
  AGENT_SOCKET_PATH,
  encodeMessage,
  parseServerMessage,
  type TAgentToServer,
  type TRegisterResponse,
  type TServerToAgent,
  type TServerToAgentType,
} from "@kiln/protocol";
import { WebSocket } from "ws";
import type { Actor, ServerDeps } from "../context.ts";
import { createRegistrationToken } from "../services/agents/create-registration-token.ts";

/** POST /api/agents/register as an x86_64 agent with `labels` (default: disk=ssd). */
export async function registerOverHttp(
  base: string,
  token: string,
  name: string,
  labels: Record<string, string> = { disk: "ssd" },
): Promise<{ status: number; body: TRegisterResponse & { error?: string } }> {
  const res = await fetch(`${base}${AGENT_REGISTER_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      registrationToken: token,
      name,
      arch: "x86_64",
      version: "0.1.0",
      labels,
    }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** Resolves with the HTTP status of a refused upgrade, or the open socket. */
export function connectSocket(base: string, secret: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}${AGENT_SOCKET_PATH}`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", reject);
  });
}

export class FakeAgent {
  readonly received: TServerToAgent[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = parseServerMessage(data as Buffer);
      if (!m.ok) throw new Error(`server sent a bad frame: ${m.error.message}`);
      this.received.push(m.message);
      this.wake();
    });
    ws.on("close", (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  send(m: TAgentToServer): void {
    this.ws.send(encodeMessage(m));
  }

  /** The next frame of `type` after index `from` (default: any not yet taken). */
  async next<K extends TServerToAgentType>(
    type: K,
    pred: (m: TServerToAgent<K>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<TServerToAgent<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((m) => m.type === type && pred(m as TServerToAgent<K>));
      if (i >= 0) return this.received.splice(i, 1)[0] as TServerToAgent<K>;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${type} within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(",")}`,
        );
      }
      await this.waitAny(deadline - Date.now());
    }
  }

  async closed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error("socket still open");
      await this.waitAny(deadline - Date.now());
    }
    return this.closeCode;
  }

  private waitAny(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, Math.max(1, ms));
      this.waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export function hello(name: string): TAgentToServer<"HELLO"> {
  return {
    type: "HELLO",
    v: 1,
    name,
    version: "0.1.0",
    arch: "x86_64",
    labels: { kvm: "yes" },
    capacity: 2,
    protocols: [1],
    hostFacts: {
      hostname: name,
      os: "Debian",
      kernel: "6.1",
      cpus: 2,
      memoryBytes: 1 << 30,
      root: false,
      canBuild: true,
      preflight: [],
    },
    builds: [],
  };
}

/**
 * Registers an agent with a fresh one-time token (labels zone=eu, made by
 * `admin`), connects it and says HELLO; resolves after WELCOME.
 */
export async function connectNewAgent(
  base: string,
  deps: ServerDeps,
  admin: Actor,
  name: string,
): Promise<{ id: string; secret: string; agent: FakeAgent }> {
  const { token } = await createRegistrationToken(deps, admin, { labels: { zone: "eu" } });
  const reg = await registerOverHttp(base, token, name);
  if (reg.status !== 200) throw new Error(`registration refused: HTTP ${reg.status}`);
  const ws = await connectSocket(base, reg.body.agentSecret);
  if (typeof ws === "number") throw new Error(`upgrade refused: ${ws}`);
  const agent = new FakeAgent(ws);
  agent.send(hello(name));
  await agent.next("WELCOME");
  return { id: reg.body.agentId, secret: reg.body.agentSecret, agent };
}
