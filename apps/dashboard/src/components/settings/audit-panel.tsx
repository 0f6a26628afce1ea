"use client";
import { Text } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import { LoadMoreButton } from "@/components/load-more-button";
import { formatTime } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TAuditEntry = RouterOutputs["audit"]["list"]["items"][number];

const COLUMNS: TColumn<TAuditEntry>[] = [
  { header: "When", cell: (e) => formatTime(e.at) },
  { header: "Who", cell: (e) => e.actor?.email ?? "server" },
  { header: "Action", td: MONO_CELL, cell: (e) => e.action },
  { header: "Target", td: MONO_CELL, cell: (e) => e.target },
  {
    header: "Details",
    cell: (e) => (
      <Text size="xs" ff="monospace" lineClamp={2}>
        {JSON.stringify(e.details)}
      </Text>
    ),
  },
];

/** Who did what, newest first (administrators). */
export function AuditPanel() {
  const trpc = useTRPC();
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined },
    ),
  );
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <DataTable verticalSpacing={4} striped columns={COLUMNS} rows={items} rowKey={(e) => e.id} />
      <LoadMoreButton query={audit} mt="sm" />
    </>
  );
}
