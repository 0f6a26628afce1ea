/**
 * Registration and authentication happen over HTTP, not over the socket: the
 * WebSocket upgrade is authenticated by the agent secret, so the server never
 * holds an unauthenticated socket and a bad or revoked secret is an HTTP 401
 * the agent's connection layer can tell apart from a network failure.
 *
 *   POST {server}{AGENT_REGISTER_PATH}   body ZRegisterRequest → 200 ZRegisterResponse
 *   GET  {server}{AGENT_SOCKET_PATH}     Upgrade: websocket, Authorization: Bearer <agentSecret>
 */
import { z } from "zod";
import { ZHostFacts, ZId, ZLabels, ZName } from "./fields.ts";

export const AGENT_REGISTER_PATH = "/api/agents/register";
export const AGENT_SOCKET_PATH = "/api/agents/connect";
/**
 * Where an agent keeps its id and secret, inside its work dir: a work dir
 * holding it needs no new registration token (the dashboard's local agent
 * checks for it too).
 */
export const AGENT_CREDENTIALS_FILE = "agent-credentials.json";

/** Exchanges a one-time registration token for an agent id and secret. */
export const ZRegisterRequest = z.object({
  /** `kiln_reg_…`, from `kiln admin create-agent-token`; used up by this call. */
  registrationToken: z.string().min(16).max(512),
  name: ZName,
  arch: z.string().min(1).max(32),
  version: z.string().min(1).max(64),
  /** Labels from the agent's flags; the token's labels are added by the server. */
  labels: ZLabels.default({}),
  hostFacts: ZHostFacts.optional(),
});
export type TRegisterRequest = z.infer<typeof ZRegisterRequest>;

export const ZRegisterResponse = z.object({
  agentId: ZId,
  /** Shown once; the server keeps only its sha256. The agent stores it (mode 0600) in its work dir. */
  agentSecret: z.string().min(16).max(512),
  /** Effective labels (flags plus token). */
  labels: ZLabels,
});
export type TRegisterResponse = z.infer<typeof ZRegisterResponse>;
