"use client";
import {
  Alert,
  Anchor,
  Button,
  Group,
  MultiSelect,
  Select,
  Table,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useState } from "react";
import { BUILD_STATUSES, type TBuildStatus } from "@kiln/server/services/builds/build-status";
import { useMe } from "@/components/app-frame";
import { PageHeader } from "@/components/page-header";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

export default function BuildsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const [q, setQ] = useState("");
  const [search] = useDebouncedValue(q, 300);
  const [recipeId, setRecipeId] = useState<string | null>(null);
  const [status, setStatus] = useState<string[]>([]);
  const [agentId, setAgentId] = useState<string | null>(null);
  const [userId, setUserId] = useState<string | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");

  const recipes = useQuery(trpc.recipes.list.queryOptions({}));
  const agents = useQuery(trpc.agents.list.queryOptions());
  const isAdmin = me.data?.role === "admin";
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: isAdmin });

  const filters = {
    recipeId: recipeId ?? undefined,
    status: status.length ? (status as TBuildStatus[]) : undefined,
    agentId: agentId ?? undefined,
    requestedById: userId ?? undefined,
    from: from ? new Date(`${from}T00:00:00`) : undefined,
    // "to" is inclusive for people: up to the end of that day.
    to: to ? new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000) : undefined,
    q: search.trim() || undefined,
    limit: 50,
  };
  const listOptions = trpc.builds.list.infiniteQueryOptions(filters, {
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const list = useInfiniteQuery(listOptions);

  // Live status: patch the rows we show; a build we do not show yet means a refetch.
  useSubscription(
    trpc.builds.onChange.subscriptionOptions(undefined, {
      onData: (msg) => {
        const m = msg as {
          buildId: string;
          status: TBuildStatus;
          waitingReason: string | null;
          deleted: boolean;
        };
        let found = false;
        queryClient.setQueryData(listOptions.queryKey, (old) => {
          if (!old) return old;
          return {
            ...old,
            pages: old.pages.map((page) => ({
              ...page,
              items: page.items.map((b) => {
                if (b.id !== m.buildId) return b;
                found = true;
                return {
                  ...b,
                  status: m.status,
                  waitingReason: m.waitingReason,
                  deleted: m.deleted,
                };
              }),
            })),
          };
        });
        if (!found) void queryClient.invalidateQueries({ queryKey: trpc.builds.list.pathKey() });
      },
    }),
  );

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Builds"
        subtitle="Every build anyone in your teams asked for, newest first. Status updates live."
      />
      <Group gap="xs" mb="md" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="#42, recipe or element"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={170}
        />
        <Select
          label="Recipe"
          placeholder="any"
          clearable
          searchable
          data={(recipes.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={recipeId}
          onChange={setRecipeId}
          w={160}
        />
        <MultiSelect
          label="Status"
          placeholder="any"
          data={BUILD_STATUSES.map((s) => ({ value: s, label: s.toLowerCase() }))}
          value={status}
          onChange={setStatus}
          w={200}
          clearable
        />
        <Select
          label="Agent"
          placeholder="any"
          clearable
          data={(agents.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
          value={agentId}
          onChange={setAgentId}
          w={150}
        />
        <Select
          label="Requested by"
          placeholder="anyone"
          clearable
          searchable
          data={[
            ...(me.data ? [{ value: me.data.user.id, label: "me" }] : []),
            ...(users.data ?? [])
              .filter((u) => u.id !== me.data?.user.id)
              .map((u) => ({ value: u.id, label: u.email })),
          ]}
          value={userId}
          onChange={setUserId}
          w={160}
        />
        <TextInput
          label="From"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          w={140}
        />
        <TextInput
          label="To"
          type="date"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          w={140}
        />
      </Group>
      {list.error && <Alert color="red">{list.error.message}</Alert>}
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="builds-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Recipe</Table.Th>
            <Table.Th>Elements</Table.Th>
            <Table.Th>Requested by</Table.Th>
            <Table.Th>Agent</Table.Th>
            <Table.Th>Queued</Table.Th>
            <Table.Th>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((b) => (
            <Table.Tr
              key={b.id}
              data-testid="build-row"
              data-build-number={b.number}
              style={{ opacity: b.deleted ? 0.5 : 1 }}
            >
              <Table.Td>
                <Anchor component={Link} href={`/builds/${b.id}`} fw={600}>
                  #{b.number}
                </Anchor>
                {b.pinned && (
                  <Text span size="xs" c="orange" ml={4}>
                    pinned
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <StatusBadge status={b.status} />
                  {b.status === "QUEUED" && b.waitingReason && (
                    <Tooltip label={b.waitingReason} multiline w={300}>
                      <Text
                        size="xs"
                        c="dimmed"
                        lineClamp={1}
                        maw={220}
                        data-testid="waiting-reason"
                      >
                        {b.waitingReason}
                      </Text>
                    </Tooltip>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                {b.recipe ? (
                  <Anchor component={Link} href={`/recipes/${b.recipe.id}`} size="sm">
                    {b.recipe.name}
                    {b.recipe.version !== null ? ` v${b.recipe.version}` : ""}
                  </Anchor>
                ) : (
                  <Text size="sm" c="dimmed">
                    ad-hoc
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="xs" lineClamp={1} maw={240}>
                  {b.elements.join(" ")}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{b.requestedBy?.email ?? "–"}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{b.agent?.name ?? "–"}</Text>
              </Table.Td>
              <Table.Td>
                <Tooltip label={new Date(b.queuedAt).toLocaleString()}>
                  <Text size="sm">{formatAgo(b.queuedAt, now)}</Text>
                </Tooltip>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {b.startedAt
                    ? formatDuration(
                        (b.finishedAt ? new Date(b.finishedAt).getTime() : now) -
                          new Date(b.startedAt).getTime(),
                      )
                    : "–"}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.isSuccess && items.length === 0 && (
        <Text c="dimmed" ta="center" p="xl">
          No builds match. Start one from a recipe ("Build now").
        </Text>
      )}
      {list.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            onClick={() => list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            Load more
          </Button>
        </Group>
      )}
    </>
  );
}
