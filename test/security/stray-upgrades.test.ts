/**
 * WebSocket upgrades to anything but the agent socket: each gets a 4xx and
 * its socket is closed, so stray or hostile clients cannot pile up half-open
 * connections. Also with a second, passive `upgrade` listener on the server,
 * as Next's production request handler adds to the dashboard's.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startSecurityServer, type TSecurityServer } from "./support/security-server.ts";

const STRAY_UPGRADES = 300;
/** Clients at once: enough to overlap, few enough for a shared machine. */
const PARALLEL = 50;

interface TUpgradeOutcome {
  statusLine: string;
  closedByServer: boolean;
}

/** One upgrade request to `path`; what came back before the server closed (or 5 s passed). */
function strayUpgrade(port: number, path: string): Promise<TUpgradeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine: received.split("\r\n")[0] ?? "", closedByServer });
    };
    const timer = setTimeout(() => finish(false), 5000);
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("end", () => finish(true));
    socket.on("error", () => finish(true));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
  });
}

async function openConnections(server: TSecurityServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.api.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

/** The server's open connections once they settle (closing takes a turn of the event loop). */
async function settledConnections(server: TSecurityServer): Promise<number> {
  let count = await openConnections(server);
  for (let tries = 0; count > 0 && tries < 40; tries++) {
    await new Promise((r) => setTimeout(r, 50));
    count = await openConnections(server);
  }
  return count;
}

async function sendStrayUpgrades(server: TSecurityServer): Promise<TUpgradeOutcome[]> {
  const paths = ["/_next/webpack-hmr", "/api/trpc", "/", "/agent/socket-not"];
  const outcomes: TUpgradeOutcome[] = [];
  for (let start = 0; start < STRAY_UPGRADES; start += PARALLEL) {
    const wave = Array.from({ length: Math.min(PARALLEL, STRAY_UPGRADES - start) }, (_, n) =>
      strayUpgrade(server.api.port, paths[(start + n) % paths.length]!),
    );
    outcomes.push(...(await Promise.all(wave)));
  }
  return outcomes;
}

describe("stray WebSocket upgrades", () => {
  let server: TSecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers 300 of them with 404 and leaves no socket open", async () => {
    server = await startSecurityServer();
    const outcomes = await sendStrayUpgrades(server);
    expect(outcomes.filter((o) => !o.statusLine.startsWith("HTTP/1.1 404"))).toEqual([]);
    expect(outcomes.every((o) => o.closedByServer)).toBe(true);
    expect(await settledConnections(server)).toBe(0);
  });

  it("closes them even when another upgrade listener is attached (Next's, in the dashboard)", async () => {
    server = await startSecurityServer();
    // Next's production handler listens to every upgrade and ignores those it has no route for.
    server.api.server.on("upgrade", () => {});
    const outcomes = await sendStrayUpgrades(server);
    expect(outcomes.every((o) => o.closedByServer)).toBe(true);
    expect(await settledConnections(server)).toBe(0);
  });
});
