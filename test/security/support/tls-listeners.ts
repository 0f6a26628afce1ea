/**
 * Listeners on 127.0.0.x for the git import tests: a raw TCP canary that
 * counts connections, and https servers with a throwaway certificate (made by
 * openssl) that answer every request one way and record what they received.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
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

/** An https server on `host` answering every request with `status` and `headers`. */
export async function startHttpsServer(
  host: string,
  certificate: { cert: string; key: string },
  answer: { status: number; headers: Record<string, string> },
): Promise<TRecordingServer> {
  const server = https.createServer(
    { cert: fs.readFileSync(certificate.cert), key: fs.readFileSync(certificate.key) },
    (req, res) => {
      recording.requests.push(req.headers);
      res.writeHead(answer.status, answer.headers).end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const recording: TRecordingServer = {
    port: (server.address() as AddressInfo).port,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return recording;
}
