/**
 * The agents' plain HTTP routes: registration, artifact upload, catalog
 * download. Node-level handlers (not fetch) so uploads stream straight into
 * the artifact store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { AGENT_REGISTER_PATH } from "@kiln/protocol";
import { AppError, HTTP_STATUS } from "../app-error.ts";
import type { ServerDeps } from "../context.ts";
import { acceptArtifactUpload, type TUploadedHashes } from "../services/agents/accept-artifact.ts";
import {
  authenticateAgent,
  bearerSecret,
  registerAgent,
} from "../services/agents/register-agent.ts";
import { getCatalogArchive } from "../services/catalogs/get-catalog-archive.ts";

/** Header carrying the hex sha256 of an uploaded artifact; the upload fails unless it matches. */
export const SHA256_HEADER = "x-kiln-sha256";
const MAX_REGISTER_BODY = 64 * 1024;

const ARTIFACT_PUT =
  /^\/api\/agents\/builds\/([A-Za-z0-9_-]+)\/artifacts\/([A-Za-z0-9_][A-Za-z0-9._-]*)$/;
const CATALOG_GET = /^\/api\/agents\/catalogs\/([0-9a-f]{64})$/;

export interface TAgentHttpState {
  /** storage key → sha256 of the last complete upload, so ARTIFACT_READY needs no re-read. */
  uploaded: TUploadedHashes;
}

/** Answers the request when it is an agent route; false: not ours. */
export function handleAgentHttp(
  deps: ServerDeps,
  state: TAgentHttpState,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const pathname = (req.url ?? "/").split("?")[0] ?? "/";
  let route: (() => Promise<void>) | undefined;
  let m: RegExpMatchArray | null;
  if (pathname === AGENT_REGISTER_PATH && req.method === "POST") {
    route = async () => sendJson(res, 200, await registerAgent(deps, await readJson(req)));
  } else if ((m = pathname.match(ARTIFACT_PUT)) && req.method === "PUT") {
    const [, buildId, fileName] = m as [string, string, string];
    route = () => uploadArtifact(deps, state, req, res, buildId, fileName);
  } else if ((m = pathname.match(CATALOG_GET)) && req.method === "GET") {
    const sha = m[1]!;
    route = () => downloadCatalog(deps, req, res, sha);
  }
  if (!route) return false;
  route().catch((err: unknown) => {
    if (err instanceof AppError) {
      sendJson(res, HTTP_STATUS[err.code], {
        error: err.message,
        code: err.code,
        field: err.field,
      });
    } else {
      deps.logger.error("agent request failed", { path: pathname, err: String(err) });
      sendJson(res, 500, { error: "internal error; see the server log" });
    }
  });
  return true;
}

async function requireAgent(deps: ServerDeps, req: IncomingMessage) {
  const agent = await authenticateAgent(deps, bearerSecret(req.headers.authorization));
  if (!agent) throw new AppError("UNAUTHENTICATED", "unknown or revoked agent secret");
  return agent;
}

async function uploadArtifact(
  deps: ServerDeps,
  state: TAgentHttpState,
  req: IncomingMessage,
  res: ServerResponse,
  buildId: string,
  fileName: string,
): Promise<void> {
  const agent = await requireAgent(deps, req);
  const expectedSha256 = String(req.headers[SHA256_HEADER] ?? "");
  if (!/^[0-9a-f]{64}$/.test(expectedSha256)) {
    throw new AppError(
      "INVALID_INPUT",
      `${SHA256_HEADER}: expected the lowercase hex sha256`,
      SHA256_HEADER,
    );
  }
  const upload = { agentId: agent.id, buildId, fileName, expectedSha256, body: req };
  sendJson(res, 201, await acceptArtifactUpload(deps, state.uploaded, upload));
}

async function downloadCatalog(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  sha256: string,
): Promise<void> {
  const agent = await requireAgent(deps, req);
  const body = await getCatalogArchive(deps, agent.id, sha256);
  res.writeHead(200, { "content-type": "application/octet-stream" });
  await pipeline(body, res);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REGISTER_BODY)
      throw new AppError("PAYLOAD_TOO_LARGE", "request body over 64 KiB");
    parts.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8"));
  } catch {
    throw new AppError("INVALID_INPUT", "request body is not JSON", "body");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
