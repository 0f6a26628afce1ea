/**
 * Request size and slow clients: a 100 MiB body to tRPC is refused with 413
 * after at most a few MiB (the server stops reading and closes), chunked
 * bodies are cut at the cap as they stream, uploads have their own cap, and
 * a client that dribbles its headers is cut after the header timeout.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSecurityServer, type TSecurityServer } from "./support/security-server.ts";

const MiB = 1024 * 1024;
const HUGE = 100 * MiB;

interface TPushOutcome {
  response: string;
  bytesWritten: number;
}

/**
 * Sends `head` then up to `total` body bytes with backpressure, stopping when
 * the server answers or closes; what it answered and how much it took.
 */
function pushBody(
  port: number,
  head: string,
  total: number,
  chunked = false,
): Promise<TPushOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, "x");
    let response = "";
    let bytesWritten = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, bytesWritten });
    };
    const timer = setTimeout(finish, 60_000);
    socket.on("data", (data) => {
      response += data.toString("latin1");
      // The whole answer is in once its body (Content-Length) is.
      const [headers, body = ""] = response.split("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(headers ?? "")?.[1] ?? NaN);
      if (body.length >= length) finish();
    });
    socket.on("close", finish);
    socket.on("error", finish);
    const pump = () => {
      while (!done && bytesWritten < total) {
        bytesWritten += chunk.length;
        const framed = chunked
          ? Buffer.concat([
              Buffer.from(`${chunk.length.toString(16)}\r\n`),
              chunk,
              Buffer.from("\r\n"),
            ])
          : chunk;
        if (!socket.write(framed)) return void socket.once("drain", pump);
      }
      if (chunked && !done) socket.write("0\r\n\r\n");
    };
    socket.write(head, pump);
  });
}

describe("request body and header limits", () => {
  let server: TSecurityServer;
  beforeAll(async () => {
    server = await startSecurityServer({
      maxCatalogBytes: 2 * MiB,
      http: { headersTimeoutMs: 1000 },
    });
  });
  afterAll(() => server?.close());

  it("refuses a 100 MiB tRPC body with 413 without reading it, memory staying flat", async () => {
    const rssBefore = process.memoryUsage().rss;
    const head =
      `POST /api/trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${HUGE}\r\n\r\n`;
    const { response, bytesWritten } = await pushBody(server.api.port, head, HUGE);
    expect(response.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(response).toContain("the request body is over the limit of 1 MiB");
    // Socket buffers take a few MiB; a server that read the body would have taken all 100.
    expect(bytesWritten).toBeLessThan(32 * MiB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MiB);
  });

  it("cuts a chunked tRPC body (no Content-Length) at the cap", async () => {
    const head =
      `POST /api/trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const { response, bytesWritten } = await pushBody(server.api.port, head, HUGE, true);
    expect(response.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(bytesWritten).toBeLessThan(32 * MiB);
  });

  it("refuses an upload over the catalog cap before reading it", async () => {
    const head =
      `POST /api/catalogs/upload?teamId=t&name=n HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/gzip\r\nContent-Length: ${HUGE}\r\n\r\n`;
    const { response, bytesWritten } = await pushBody(server.api.port, head, HUGE);
    expect(response.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(bytesWritten).toBeLessThan(32 * MiB);
  });

  it("cuts a client that sends its headers a byte at a time after the header timeout", async () => {
    const socket = net.connect(server.api.port, "127.0.0.1");
    let received = "";
    socket.on("data", (data) => (received += data.toString("latin1")));
    socket.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const drip = setInterval(() => socket.write("X-Slow: a\r\n"), 200);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 8000);
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.on("error", () => {});
    });
    clearInterval(drip);
    socket.destroy();
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 15_000);
});
