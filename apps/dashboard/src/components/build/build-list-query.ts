/**
 * The builds list page's pure parts: its filters as the `builds.list` input,
 * and a live status change applied to the pages already loaded.
 */

/** What the filter bar holds; dates are the `yyyy-mm-dd` of a date input. */
export interface TBuildFilters<TStatus extends string = string> {
  q: string;
  recipeId: string | null;
  status: TStatus[];
  agentId: string | null;
  userId: string | null;
  from: string;
  to: string;
}

export const NO_BUILD_FILTERS: TBuildFilters<never> = {
  q: "",
  recipeId: null,
  status: [],
  agentId: null,
  userId: null,
  from: "",
  to: "",
};

const DAY_MS = 86_400_000;

/** The `builds.list` input for the filters: unset ones left out, 50 builds a page. */
export function buildListInput<TStatus extends string>(filters: TBuildFilters<TStatus>) {
  const { q, recipeId, status, agentId, userId, from, to } = filters;
  return {
    recipeId: recipeId ?? undefined,
    status: status.length ? status : undefined,
    agentId: agentId ?? undefined,
    requestedById: userId ?? undefined,
    from: from ? localMidnight(from) : undefined,
    // "to" is inclusive for people: up to the end of that day.
    to: to ? new Date(localMidnight(to).getTime() + DAY_MS) : undefined,
    q: q.trim() || undefined,
    limit: 50,
  };
}

function localMidnight(day: string): Date {
  return new Date(`${day}T00:00:00`);
}

/** A build's status as the `builds.onChange` subscription announces it. */
export interface TBuildChange<TStatus extends string = string> {
  buildId: string;
  status: TStatus;
  waitingReason: string | null;
  deleted: boolean;
}

interface TListedBuild<TStatus extends string> {
  id: string;
  status: TStatus;
  waitingReason: string | null;
  deleted: boolean;
}

/**
 * The loaded pages with the changed build patched in place; `found` is false
 * when no loaded page shows that build (the list must be fetched again).
 */
export function applyBuildChange<
  TStatus extends string,
  TBuild extends TListedBuild<TStatus>,
  TPage extends { items: TBuild[] },
>(pages: TPage[], change: TBuildChange<TStatus>): { pages: TPage[]; found: boolean } {
  let found = false;
  const patched = pages.map((page) => ({
    ...page,
    items: page.items.map((build) => {
      if (build.id !== change.buildId) return build;
      found = true;
      const { status, waitingReason, deleted } = change;
      return { ...build, status, waitingReason, deleted };
    }),
  }));
  return { pages: patched, found };
}
