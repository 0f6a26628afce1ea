import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { shellQuote } from "@kiln/contracts/shell-quote";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { ZAgentLabels } from "../builds/stored-request.ts";
import { DEFAULT_POOL_ID } from "../pools/pool-access.ts";

/** Longest a registration token may live, hours (30 days). */
export const MAX_REGISTRATION_TTL_HOURS = 720;

const ttlError = (issue: { input?: unknown }) =>
  `'${String(issue.input)}' is not a number of hours in (0, ${MAX_REGISTRATION_TTL_HOURS}]`;

export const ZCreateRegistrationTokenInput = z.object({
  /** Labels the agent that registers with this token receives. */
  labels: ZAgentLabels.default({}),
  /** Name of the agent pool the agent joins (default: the default shared pool). */
  pool: z.string().min(1).max(100).optional(),
  /** Validity, hours (default 24, at most 30 days). */
  ttlHours: z
    .number({ error: ttlError })
    .gt(0, { error: ttlError })
    .max(MAX_REGISTRATION_TTL_HOURS, { error: ttlError })
    .default(24),
});

export interface TRegistrationToken {
  id: string;
  /** Shown once; only its sha256 is stored. */
  token: string;
  expiresAt: Date;
  /** The command to run on the agent host (against the server's public URL). */
  command: string;
}

/** sha256 hex, as stored for registration tokens (the gateway hashes what agents present the same way). */
export const hashRegistrationToken = (token: string) =>
  createHash("sha256").update(token).digest("hex");

/**
 * A one-use token for registering a new agent. Administrators only; `actor`
 * null is the server itself (its local agent): the token has no creator and
 * is audited as made by the server.
 */
export async function createRegistrationToken(
  deps: ServerDeps,
  actor: Actor | null,
  raw: z.input<typeof ZCreateRegistrationTokenInput>,
): Promise<TRegistrationToken> {
  if (actor && actor.role !== "admin")
    throw new AppError("FORBIDDEN", "only administrators may create agent registration tokens");
  const input = parseInput(raw);
  const poolId = input.pool ? await poolIdByName(deps, input.pool) : null;
  const token = `kiln_reg_${randomBytes(24).toString("base64url")}`;
  // One clock read: the token lives exactly ttlHours from its creation.
  const createdAt = deps.now();
  const expiresAt = new Date(createdAt.getTime() + input.ttlHours * 3600_000);
  const row = await deps.db.prisma.agentRegistrationToken.create({
    data: {
      tokenHash: hashRegistrationToken(token),
      labels: JSON.stringify(input.labels),
      poolId,
      createdById: actor?.userId ?? null,
      expiresAt,
      createdAt,
    },
  });
  await audit(deps, actor ?? undefined, "agent.token.create", `agent-token:${row.id}`, {
    labels: input.labels,
    pool: input.pool ?? DEFAULT_POOL_ID,
    expiresAt,
    ...(actor ? {} : { via: "server" }),
  });
  // No --labels on the line: the token carries them and registration applies them.
  return {
    id: row.id,
    token,
    expiresAt,
    command: `kiln agent --server ${shellQuote(deps.config.publicUrl)} --token ${token}`,
  };
}

async function poolIdByName(deps: ServerDeps, name: string): Promise<string> {
  const pool = await deps.db.prisma.agentPool.findUnique({ where: { name }, select: { id: true } });
  if (!pool) throw new AppError("NOT_FOUND", `no agent pool named '${name}'`, "pool");
  return pool.id;
}

function parseInput(raw: z.input<typeof ZCreateRegistrationTokenInput>) {
  const parsed = ZCreateRegistrationTokenInput.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError("INVALID_INPUT", issue?.message ?? "invalid input", String(issue?.path[0]));
}
