/**
 * Listeners on 127.0.0.x for the git import tests: a raw TCP canary that
 * counts connections, and https servers with a throwaway certificate (made by
 * openssl) that answer every request one way and record what they received,
 * or serve real repositories through `git http-backend`.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import path from "node:path";

export interface TCanary {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** A TCP listener that counts connections and closes them at once. */
export async function startCanary(host = "127.0.0.1"): Promise<TCanary> {
  const server = net.createServer((socket) => {
    canary.connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const canary: TCanary = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return canary;
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const canary = await startCanary();
  await canary.close();
  return canary.port;
}

/** Whether openssl is on this host (the https listeners need it for their certificate). */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1 and 127.0.0.2 in `dir` (cert.pem doubles as the CA). */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=kiln-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1,IP:127.0.0.2",
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

export interface TRecordingServer {
  port: number;
  /** Every request's headers, in order. */
  requests: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}

/** An https server on `host` that records each request's headers, then lets `answer` respond. */
async function startRecordingServer(
  host: string,
  certificate: { cert: string; key: string },
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TRecordingServer> {
  const requests: TRecordingServer["requests"] = [];
  const server = https.createServer(
    { cert: fs.readFileSync(certificate.cert), key: fs.readFileSync(certificate.key) },
    (req, res) => {
      requests.push(req.headers);
      answer(req, res);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An https server on `host` answering every request with `status` and `headers`. */
export function startHttpsServer(
  host: string,
  certificate: { cert: string; key: string },
  answer: { status: number; headers: Record<string, string> },
): Promise<TRecordingServer> {
  return startRecordingServer(host, certificate, (_req, res) => {
    res.writeHead(answer.status, answer.headers).end();
  });
}

/** An https server on 127.0.0.1 serving the bare repositories under `root` (git http-backend). */
export function startGitHttpsServer(
  root: string,
  certificate: { cert: string; key: string },
): Promise<TRecordingServer> {
  return startRecordingServer("127.0.0.1", certificate, (req, res) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const backend = spawn("git", ["http-backend"], {
      env: {
        PATH: "/usr/local/bin:/usr/bin:/bin",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        REMOTE_ADDR: "127.0.0.1",
      },
    });
    req.pipe(backend.stdin);
    answerCgi(backend.stdout, res);
  });
}

/** Turns a CGI answer (headers, blank line, body) into the HTTP response. */
function answerCgi(output: NodeJS.ReadableStream, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let started = false;
  output.on("data", (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    started = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString().split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "status") status = Number(value.split(" ")[0]);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  output.on("end", () => res.end());
}

/** A TCP listener that accepts connections and never says a word (a stalled remote). */
export async function startSilentListener(host = "127.0.0.1"): Promise<TCanary> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => {
    silent.connections++;
    held.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const silent: TCanary = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of held) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return silent;
}
