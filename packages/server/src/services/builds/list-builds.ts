import { z } from "zod";
import type { Prisma } from "@kiln/db/client";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { visibleBuildsWhere } from "./build-access.ts";
import { ZBuildStatus, type TBuildStatus } from "@kiln/contracts/build-status";
import { parseStoredJson } from "../stored-json.ts";
import { ZStoredElementNames } from "./stored-request.ts";

export const ZListBuildsInput = z.object({
  recipeId: z.string().optional(),
  teamId: z.string().optional(),
  status: z.array(ZBuildStatus).optional(),
  agentId: z.string().optional(),
  requestedById: z.string().optional(),
  /** Queued at or after. */
  from: z.date().optional(),
  /** Queued before. */
  to: z.date().optional(),
  /** `42` or `#42` finds build 42; other text matches recipe names (substring) and element names (prefix). */
  q: z.string().trim().max(200).optional(),
  includeDeleted: z.boolean().default(false),
  limit: z.number().int().min(1).max(200).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().optional(),
});
export type TListBuildsInput = z.input<typeof ZListBuildsInput>;

export interface TBuildListItem {
  id: string;
  number: number;
  status: TBuildStatus;
  recipe: { id: string; name: string; version: number | null } | null;
  teamId: string | null;
  requestedBy: { id: string; email: string; name: string } | null;
  agent: { id: string; name: string } | null;
  elements: string[];
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  waitingReason: string | null;
  pinned: boolean;
  deleted: boolean;
  retryOfId: string | null;
}

export interface TBuildPage {
  items: TBuildListItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Newest first, keyset-paginated on (queuedAt, id): a page never shifts when
 * builds are queued meanwhile (they land before the first page), and every
 * page is an index range scan, never an OFFSET.
 */
export async function listBuilds(
  deps: ServerDeps,
  actor: Actor,
  raw: TListBuildsInput,
): Promise<TBuildPage> {
  const input = ZListBuildsInput.parse(raw);
  const and: Prisma.BuildWhereInput[] = [await visibleBuildsWhere(deps, actor)];
  if (!input.includeDeleted) and.push({ deletedAt: null });
  if (input.recipeId) and.push({ recipeId: input.recipeId });
  if (input.teamId) and.push({ teamId: input.teamId });
  if (input.status?.length)
    and.push({ status: input.status.length === 1 ? input.status[0] : { in: input.status } });
  if (input.agentId) and.push({ agentId: input.agentId });
  if (input.requestedById) and.push({ requestedById: input.requestedById });
  if (input.from) and.push({ queuedAt: { gte: input.from } });
  if (input.to) and.push({ queuedAt: { lt: input.to } });
  if (input.q) {
    const n = /^#?(\d{1,9})$/.exec(input.q);
    and.push(
      n
        ? { number: Number(n[1]) }
        : {
            OR: [
              // Recipe names are matched on the small Recipe table first, so the
              // build query stays an index walk instead of a join per row.
              { recipeId: { in: await recipeIdsMatching(deps, input.q) } },
              { resolvedElements: { contains: `"name":"${input.q}` } },
            ],
          },
    );
  }
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    and.push({
      OR: [{ queuedAt: { lt: c.queuedAt } }, { queuedAt: c.queuedAt, id: { lt: c.id } }],
    });
  }
  const rows = await deps.db.prisma.build.findMany({
    where: { AND: and },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: {
      id: true,
      number: true,
      status: true,
      teamId: true,
      request: true,
      queuedAt: true,
      startedAt: true,
      finishedAt: true,
      waitingReason: true,
      pinned: true,
      deletedAt: true,
      retryOfId: true,
      recipe: { select: { id: true, name: true } },
      recipeVersion: { select: { version: true } },
      requestedBy: { select: { id: true, email: true, name: true } },
      agent: { select: { id: true, name: true } },
    },
  });
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      number: r.number,
      status: r.status as TBuildStatus,
      recipe: r.recipe ? { ...r.recipe, version: r.recipeVersion?.version ?? null } : null,
      teamId: r.teamId,
      requestedBy: r.requestedBy,
      agent: r.agent,
      elements: parseStoredJson(ZStoredElementNames, r.request, `Build.request of build ${r.id}`)
        .elements,
      queuedAt: r.queuedAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      waitingReason: r.waitingReason,
      pinned: r.pinned,
      deleted: r.deletedAt !== null,
      retryOfId: r.retryOfId,
    })),
    nextCursor: more && last ? encodeCursor(last.queuedAt, last.id) : null,
  };
}

async function recipeIdsMatching(deps: ServerDeps, text: string): Promise<string[]> {
  const rows = await deps.db.prisma.recipe.findMany({
    where: { name: { contains: text } },
    select: { id: true },
    take: 500,
  });
  return rows.map((r) => r.id);
}

function encodeCursor(queuedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([queuedAt.toISOString(), id])).toString("base64url");
}

function decodeCursor(cursor: string): { queuedAt: Date; id: string } {
  try {
    const [iso, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [
      string,
      string,
    ];
    const queuedAt = new Date(iso);
    if (typeof id !== "string" || Number.isNaN(queuedAt.getTime())) throw new Error("bad");
    return { queuedAt, id };
  } catch {
    throw new AppError("INVALID_INPUT", "cursor is not one this server gave out", "cursor");
  }
}
