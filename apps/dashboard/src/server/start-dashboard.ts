import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import next from "next";
import { migrateDatabase } from "@kiln/db/migrate";
import type { ServerDeps } from "@kiln/server/context";
import { createAgentGateway } from "@kiln/server/gateway/create-agent-gateway";
import {
  applyIdleTimeout,
  applySecurityHeaders,
  httpServerOptions,
  isApiPath,
  serveApi,
} from "@kiln/server/http";
import { childProcessEnv, prepareProcessEnv, type TDashboardEnv } from "../env.ts";
import type { TSecretKey } from "./load-secret-key.ts";
import { bootstrapServer } from "./bootstrap.ts";
import type { ServerLogger } from "./create-logger.ts";
import { createServerDeps } from "./create-server-deps.ts";
import { ensureNextBuild } from "./ensure-next-build.ts";
import { startLocalAgent } from "./local-agent.ts";

/** The Next app's directory (apps/dashboard). */
export const appDir = path.resolve(import.meta.dirname, "..", "..");

export interface TRunningDashboard {
  url: string;
  server: Server;
  deps: ServerDeps;
  close(): Promise<void>;
}

/**
 * Start Kiln's server: migrate, build the pages if needed, then one HTTP
 * server where the agent gateway's routes go to the gateway, /api/* to
 * @kiln/server's API handler (tRPC, health, uploads, downloads), and
 * everything else to Next. One port, so the agent WebSocket gateway can
 * attach to `server` with an `upgrade` listener.
 */
export async function startDashboard(
  env: TDashboardEnv,
  logger: ServerLogger,
  { secretKey, secretKeySource }: TSecretKey,
): Promise<TRunningDashboard> {
  prepareProcessEnv();
  if (secretKeySource === "generated") {
    logger.warn("KILN_SECRET_KEY is not set: generated one; back it up, recipe secrets need it", {
      file: env.secretKeyFile,
    });
  }
  const migrated = await migrateDatabase({ url: env.databaseUrl, logger });
  const deps = createServerDeps(env, logger, secretKey);
  const stopBackground = await bootstrapServer(deps, env);

  if (!env.KILN_SKIP_NEXT_BUILD) await ensureNextBuild({ appDir, env: childProcessEnv(), logger });
  const nextApp = next({
    dev: false,
    dir: appDir,
    hostname: env.HOST,
    port: env.PORT,
    quiet: true,
  });
  await nextApp.prepare();
  const nextHandler = nextApp.getRequestHandler();

  const agentGateway = createAgentGateway(deps);
  const server = createServer(httpServerOptions(deps.config), (req, res) => {
    applySecurityHeaders(deps.config, req, res);
    // Agents' routes (register, artifact PUT, catalog GET) authenticate by agent secret, not session.
    if (agentGateway.handleRequest(req, res)) return;
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    if (isApiPath(pathname)) return serveApi(deps, req, res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      // Pages only read (the app has no server actions): refuse bodies unread.
      res.writeHead(405, { allow: "GET, HEAD", connection: "close" }).end();
      return;
    }
    nextHandler(req, res).catch((err: unknown) => {
      logger.error("page request failed", { path: pathname, err: String(err) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Answers the agent socket and refuses every other upgrade (Next's own is for `next dev` only).
  agentGateway.attach(server);
  applyIdleTimeout(server, deps.config);
  // Subscriptions are long-lived; keep-alive sockets should not pin shutdown.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info("Kiln is serving", { url, db: migrated.provider, data: env.dataDir });
  // The local agent dials loopback unless the server listens on one specific other address.
  const wildcard = ["0.0.0.0", "::"].includes(address.address);
  const localAgent = await startLocalAgent({
    deps,
    mode: env.KILN_LOCAL_AGENT,
    serverUrl: wildcard ? `http://127.0.0.1:${address.port}` : url,
    dataDir: env.dataDir,
    logger,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    deps,
    close: () =>
      (closing ??= (async () => {
        stopBackground();
        await localAgent.stop();
        await agentGateway.close();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        await nextApp.close?.();
        await deps.db.close();
      })()),
  };
}
