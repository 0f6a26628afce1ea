"use client";
import { Alert, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { BUILD_STATUSES, type TBuildStatus } from "@kiln/contracts/build-status";
import { BuildFilters } from "@/components/build/build-filters";
import { NO_BUILD_FILTERS, type TBuildFilters } from "@/components/build/build-list-query";
import { BuildsTable } from "@/components/build/builds-table";
import { useLiveBuildList } from "@/components/build/use-live-build-list";
import { LoadMoreButton } from "@/components/load-more-button";
import { PageHeader } from "@/components/page-header";

export default function BuildsPage() {
  const [filters, setFilters] = useState<TBuildFilters<TBuildStatus>>(NO_BUILD_FILTERS);
  const [search] = useDebouncedValue(filters.q, 300);
  const list = useLiveBuildList({ ...filters, q: search });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Builds"
        subtitle="Every build anyone in your teams asked for, newest first. Status updates live."
      />
      <BuildFilters value={filters} onChange={setFilters} statuses={BUILD_STATUSES} />
      {list.error && <Alert color="red">{list.error.message}</Alert>}
      <BuildsTable builds={items} now={Date.now()} />
      {list.isSuccess && items.length === 0 && (
        <Text c="dimmed" ta="center" p="xl">
          No builds match. Start one from a recipe ("Build now").
        </Text>
      )}
      <LoadMoreButton query={list} mt="md" />
    </>
  );
}
