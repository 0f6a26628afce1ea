import type { AgentModel as Agent } from "@kiln/db/client";
import { isUniqueViolation } from "@kiln/db/client";
import { ZRegisterRequest, type TRegisterResponse } from "@kiln/protocol";
import { AppError } from "../../app-error.ts";
import type { ServerDeps } from "../../context.ts";
import { hashSecret, randomSecret } from "../auth/secrets.ts";
import { storedLabels } from "../stored-json.ts";
import { DEFAULT_POOL_ID } from "../pools/pool-access.ts";
import { hashRegistrationToken } from "./create-registration-token.ts";

/** Kernel arch names agents may report, mapped to the names builds ask for. */
const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", aarch64: "arm64", i686: "i386" };

export const normalizeArch = (arch: string) => ARCH_ALIASES[arch] ?? arch;

/**
 * Exchanges a one-time registration token for a new agent and its secret.
 * The agent joins the token's pool (the default pool when it names none);
 * labels it asks for are added under the token's, which win.
 * The secret is returned once; only its sha256 is stored. Unknown, used,
 * expired and revoked tokens are all the same 401, so a caller learns nothing
 * about which tokens exist.
 */
export async function registerAgent(deps: ServerDeps, raw: unknown): Promise<TRegisterResponse> {
  const parsed = ZRegisterRequest.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const field = i?.path.map(String).join(".") || "body";
    throw new AppError("INVALID_INPUT", `registration: ${field}: ${i?.message}`, field);
  }
  const input = parsed.data;
  const p = deps.db.prisma;
  const now = deps.now();
  const tokenHash = hashRegistrationToken(input.registrationToken);
  const token = await p.agentRegistrationToken.findUnique({ where: { tokenHash } });
  // The conditional update is what makes the token one-time under concurrent use.
  const used = await p.agentRegistrationToken.updateMany({
    where: { tokenHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (!token || used.count !== 1) {
    throw new AppError(
      "UNAUTHENTICATED",
      "registration token is unknown, used, expired or revoked",
      "registrationToken",
    );
  }
  const labels = { ...input.labels, ...storedLabels(token, "AgentRegistrationToken") };
  const secret = `kiln_agent_${randomSecret(32)}`;
  const data = {
    arch: normalizeArch(input.arch),
    version: input.version,
    labels: JSON.stringify(labels),
    hostFacts: JSON.stringify(input.hostFacts ?? {}),
    secretHash: hashSecret(secret),
    poolId: token.poolId ?? DEFAULT_POOL_ID,
    state: "OFFLINE",
    createdAt: now,
  };
  let agent: Agent | undefined;
  // Names are unique; a host registering again (lost work dir) gets a suffixed name.
  for (let i = 0; !agent; i++) {
    const name = i === 0 ? input.name : `${input.name.slice(0, 190)}-${randomSecret(4)}`;
    try {
      agent = await p.agent.create({ data: { ...data, name } });
    } catch (err) {
      if (!isUniqueViolation(err) || i >= 5) throw err;
    }
  }
  deps.logger.info("agent registered", { agentId: agent.id, name: agent.name, tokenId: token.id });
  return { agentId: agent.id, agentSecret: secret, labels };
}

/** The agent a secret belongs to, or null when it is unknown or revoked. */
export async function authenticateAgent(
  deps: ServerDeps,
  secret: string | undefined,
): Promise<Agent | null> {
  if (!secret || secret.length < 16 || secret.length > 512) return null;
  const agent = await deps.db.prisma.agent.findUnique({
    where: { secretHash: hashSecret(secret) },
  });
  return agent && !agent.revokedAt ? agent : null;
}

/** The secret of an `Authorization: Bearer …` header. */
export function bearerSecret(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}
