"use client";
import { Button, Group, Table, Text } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { formatTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

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
      <Table verticalSpacing={4} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Details</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{formatTime(e.at)}</Table.Td>
              <Table.Td>{e.actor?.email ?? "server"}</Table.Td>
              <Table.Td ff="monospace">{e.action}</Table.Td>
              <Table.Td ff="monospace">{e.target}</Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace" lineClamp={2}>
                  {JSON.stringify(e.details)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {audit.hasNextPage && (
        <Group justify="center" mt="sm">
          <Button
            variant="default"
            onClick={() => audit.fetchNextPage()}
            loading={audit.isFetchingNextPage}
          >
            Load more
          </Button>
        </Group>
      )}
    </>
  );
}
