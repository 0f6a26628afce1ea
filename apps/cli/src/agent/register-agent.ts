/**
 * Registration: a one-time token is exchanged over HTTP for an agent id and
 * secret, which are kept in the work dir (mode 0600) so restarts reuse them
 * instead of needing a fresh token.
 */
import fs from "node:fs";
import path from "node:path";
import { KilnError } from "@kiln/contracts/errors";
import {
  AGENT_CREDENTIALS_FILE,
  AGENT_REGISTER_PATH,
  ZRegisterResponse,
  type TRegisterRequest,
  type TRegisterResponse,
} from "@kiln/protocol";
import { z } from "zod";

export const CREDENTIALS_FILE = AGENT_CREDENTIALS_FILE;

const ZCredentials = ZRegisterResponse.extend({ server: z.string() });
export type TAgentCredentials = z.infer<typeof ZCredentials>;

export interface RegisterAgentOptions {
  /** Server base URL. */
  server: string;
  /** Registration token; only needed when the work dir holds no credentials yet. */
  token?: string;
  workDir: string;
  request: Omit<TRegisterRequest, "registrationToken">;
  fetch?: typeof fetch;
}

/** Stored credentials for this server, else registers with the token and stores them. */
export async function registerAgent(o: RegisterAgentOptions): Promise<TAgentCredentials> {
  const file = path.join(o.workDir, CREDENTIALS_FILE);
  const stored = readCredentials(file);
  if (stored && stored.server === o.server) return stored;
  if (!o.token) {
    throw new KilnError(
      "USAGE",
      `--token: no registration token given and ${file} holds no credentials for ${o.server}`,
    );
  }
  const url = new URL(AGENT_REGISTER_PATH, o.server).toString();
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...o.request, registrationToken: o.token }),
    });
  } catch (err) {
    throw new KilnError("HOST", `${url}: cannot reach the server: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new KilnError(
      "USAGE",
      `--token: the server refused the registration token (HTTP ${res.status}); create a new one with \`kiln admin create-agent-token\``,
    );
  }
  if (!res.ok) {
    throw new KilnError(
      "HOST",
      `${url}: registration failed: HTTP ${res.status} ${text.slice(0, 200)}`,
    );
  }
  let body: TRegisterResponse;
  try {
    body = ZRegisterResponse.parse(JSON.parse(text));
  } catch (err) {
    throw new KilnError("HOST", `${url}: malformed registration response`, { cause: err });
  }
  const creds: TAgentCredentials = { ...body, server: o.server };
  fs.mkdirSync(o.workDir, { recursive: true });
  // Written under a temp name with 0600 from the start, so the secret is never world-readable.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(creds), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return creds;
}

function readCredentials(file: string): TAgentCredentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ZCredentials.safeParse(json);
  if (!parsed.success)
    throw new KilnError(
      "USAGE",
      `${file}: not valid agent credentials; delete it to register again`,
    );
  return parsed.data;
}
