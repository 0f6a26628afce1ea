import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireAdmin } from "../users/user-view.ts";
import { parseStoredJson, ZJsonObject } from "../stored-json.ts";

export interface TListAuditInput {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–200 (default 50). */
  limit?: number;
  /** Only this action (`token.create`, `membership.role`, …). */
  action?: string;
  /** Only this actor's events. */
  actorId?: string;
}

export interface TAuditEventView {
  id: string;
  at: Date;
  action: string;
  target: string;
  details: Record<string, unknown>;
  /** null for the server host (CLI, first start) or a deleted user. */
  actor: { id: string; email: string } | null;
}

export interface TAuditPage {
  items: TAuditEventView[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

/** The audit log, newest first (administrators). */
export async function listAuditEvents(
  deps: ServerDeps,
  actor: Actor,
  input: TListAuditInput = {},
): Promise<TAuditPage> {
  requireAdmin(actor, "read the audit log");
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const { prisma } = deps.db;
  if (input.cursor) {
    const exists = await prisma.auditEvent.findUnique({
      where: { id: input.cursor },
      select: { id: true },
    });
    if (!exists) throw new AppError("INVALID_INPUT", "unknown cursor", "cursor");
  }
  const rows = await prisma.auditEvent.findMany({
    where: {
      ...(input.action ? { action: input.action } : {}),
      ...(input.actorId ? { actorId: input.actorId } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    include: { actor: { select: { id: true, email: true } } },
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      action: r.action,
      target: r.target,
      details: parseStoredJson(ZJsonObject, r.details, `AuditEvent.details of ${r.id}`),
      actor: r.actor,
    })),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}
