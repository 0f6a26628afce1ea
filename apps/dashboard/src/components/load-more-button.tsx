"use client";
import { Button, Group, type MantineSpacing } from "@mantine/core";

/** The part of an infinite query the button needs. */
export interface TPagedQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** "Load more" under a paged list; nothing once the last page is in. */
export function LoadMoreButton({ query, mt }: { query: TPagedQuery; mt: MantineSpacing }) {
  if (!query.hasNextPage) return null;
  return (
    <Group justify="center" mt={mt}>
      <Button
        variant="default"
        onClick={() => query.fetchNextPage()}
        loading={query.isFetchingNextPage}
      >
        Load more
      </Button>
    </Group>
  );
}
