import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { ZAgentLabels } from "../builds/stored-request.ts";

export const ZCreateRegistrationTokenInput = z.object({
  /** Labels the agent that registers with this token receives. */
  labels: ZAgentLabels.default({}),
  /** Validity, hours (default 24, at most 30 days). */
  ttlHours: z.number().positive().max(720).default(24),
});

export interface TRegistrationToken {
  id: string;
  /** Shown once; only its sha256 is stored. */
  token: string;
  expiresAt: Date;
  /** The command to run on the agent host. */
  command: string;
}

/** sha256 hex, as stored for registration tokens (the gateway hashes what agents present the same way). */
export const hashRegistrationToken = (token: string) =>
  createHash("sha256").update(token).digest("hex");

/** A one-use token for registering a new agent. Administrators only. */
export async function createRegistrationToken(
  deps: ServerDeps,
  actor: Actor,
  raw: z.input<typeof ZCreateRegistrationTokenInput>,
): Promise<TRegistrationToken> {
  const input = ZCreateRegistrationTokenInput.parse(raw);
  const token = `kiln_reg_${randomBytes(24).toString("base64url")}`;
  // One clock read: the token lives exactly ttlHours from its creation.
  const createdAt = deps.now();
  const expiresAt = new Date(createdAt.getTime() + input.ttlHours * 3600_000);
  const row = await deps.db.prisma.agentRegistrationToken.create({
    data: {
      tokenHash: hashRegistrationToken(token),
      labels: JSON.stringify(input.labels),
      createdById: actor.userId,
      expiresAt,
      createdAt,
    },
  });
  await audit(deps, actor, "agent.token.create", `agent-token:${row.id}`, {
    labels: input.labels,
    expiresAt,
  });
  // No --labels on the line: the token carries them and registration applies them.
  return {
    id: row.id,
    token,
    expiresAt,
    command: `kiln agent --server ${shellQuote(deps.config.publicUrl)} --token ${token}`,
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
