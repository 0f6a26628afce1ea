/**
 * A TCP proxy on 127.0.0.1 between an agent and the server that can cut
 * the line: `cut()` destroys every open connection and refuses new ones
 * (accepted, then reset at once) until `restore()`.
 */
import net from "node:net";

export interface CutProxy {
  url: string;
  port: number;
  /** Connections accepted and forwarded. */
  forwarded: number;
  /** Connections refused while cut. */
  refused: number;
  /** Open forwarded connections right now. */
  open(): number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let cutting = false;
  const state = { forwarded: 0, refused: 0 };
  const server = net.createServer((client) => {
    if (cutting) {
      state.refused++;
      client.resetAndDestroy();
      return;
    }
    state.forwarded++;
    const upstream = net.connect(target.port, target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get forwarded() {
      return state.forwarded;
    },
    get refused() {
      return state.refused;
    },
    open: () => pairs.size,
    cut() {
      cutting = true;
      // A reset, not a polite FIN: what a pulled cable or a crashed NAT looks like to the agent.
      for (const [client, upstream] of [...pairs]) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    restore() {
      cutting = false;
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
