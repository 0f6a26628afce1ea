"use client";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC, type RouterInputs } from "@/lib/trpc";
import {
  applyBuildChange,
  buildListInput,
  type TBuildChange,
  type TBuildFilters,
} from "./build-list-query";

/** A build status as the list filter takes it. */
export type TListStatus = NonNullable<RouterInputs["builds"]["list"]["status"]>[number];

/**
 * The builds matching the filters, page by page, kept live: a status change
 * patches the rows shown, and a build not shown yet means a refetch.
 */
export function useLiveBuildList(filters: TBuildFilters<TListStatus>) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listOptions = trpc.builds.list.infiniteQueryOptions(buildListInput(filters), {
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const list = useInfiniteQuery(listOptions);

  useSubscription(
    trpc.builds.onChange.subscriptionOptions(undefined, {
      onData: (msg) => {
        const change = msg as TBuildChange<TListStatus>;
        let found = false;
        queryClient.setQueryData(listOptions.queryKey, (old) => {
          if (!old) return old;
          const patched = applyBuildChange(old.pages, change);
          found = patched.found;
          return { ...old, pages: patched.pages };
        });
        if (!found) void queryClient.invalidateQueries({ queryKey: trpc.builds.list.pathKey() });
      },
    }),
  );
  return list;
}
