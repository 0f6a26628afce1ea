import type { ServerDeps } from "../../context.ts";
import { TERMINAL_STATUSES } from "@kiln/contracts/build-status";
import { publishStoredBuild } from "../builds/publish-build-change.ts";
import { purgeBuildData } from "../builds/purge-build-data.ts";

export interface TRetentionResult {
  /** Builds whose artifacts and logs were removed. */
  purged: string[];
  freedBytes: number;
}

/**
 * Per recipe, keeps the newest N successful builds (recipe.keepBuilds, else
 * config.keepBuildsDefault) and every pinned one. Finished builds queued
 * before the Nth newest success (failed ones too: a newer success replaced
 * them) lose their artifacts and logs and are marked deleted. Failures newer
 * than that are kept so the latest problems stay readable. Run periodically.
 */
export async function applyRetention(deps: ServerDeps): Promise<TRetentionResult> {
  const p = deps.db.prisma;
  const recipes = await p.recipe.findMany({ select: { id: true, keepBuilds: true } });
  const result: TRetentionResult = { purged: [], freedBytes: 0 };
  for (const recipe of recipes) {
    const keep = Math.max(0, recipe.keepBuilds ?? deps.config.keepBuildsDefault);
    let older = {};
    if (keep > 0) {
      // The Nth newest success (pinned ones are kept anyway, so they do not count towards N).
      const boundary = await p.build.findFirst({
        where: { recipeId: recipe.id, status: "SUCCEEDED", deletedAt: null, pinned: false },
        orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
        skip: keep - 1,
        select: { queuedAt: true, id: true },
      });
      if (!boundary) continue; // fewer than N successes: nothing to remove
      older = {
        OR: [
          { queuedAt: { lt: boundary.queuedAt } },
          { queuedAt: boundary.queuedAt, id: { lt: boundary.id } },
        ],
      };
    }
    const doomed = await p.build.findMany({
      where: {
        recipeId: recipe.id,
        deletedAt: null,
        pinned: false,
        status: { in: TERMINAL_STATUSES },
        ...older,
      },
      select: { id: true },
    });
    for (const b of doomed) {
      const { freedBytes } = await purgeBuildData(deps, b.id);
      result.freedBytes += freedBytes;
      result.purged.push(b.id);
      await publishStoredBuild(deps, b.id);
    }
  }
  if (result.purged.length)
    deps.logger.info("retention removed builds", {
      count: result.purged.length,
      freedBytes: result.freedBytes,
    });
  return result;
}
