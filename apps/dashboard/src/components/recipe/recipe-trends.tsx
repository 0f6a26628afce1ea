"use client";
import { LineChart } from "@mantine/charts";
import { Anchor, Group, Paper, SimpleGrid, Table, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Duration and image size of the recipe's recent successful builds, and its latest builds. */
export function RecipeTrends({ recipeId }: { recipeId: string }) {
  const trpc = useTRPC();
  const recent = useQuery(trpc.builds.list.queryOptions({ recipeId, limit: 10 }));
  const ok = useQuery(
    trpc.builds.list.queryOptions({ recipeId, status: ["SUCCEEDED"], limit: 20 }),
  );
  const succeeded = [...(ok.data?.items ?? [])].reverse();
  // Sizes live on each build's artifacts: one batched request for the lot.
  const details = useQueries({
    queries: succeeded.map((b) => trpc.builds.get.queryOptions({ buildId: b.id })),
  });
  const data = succeeded.map((b, i) => {
    const d = details[i]?.data;
    return {
      build: `#${b.number}`,
      minutes:
        b.startedAt && b.finishedAt
          ? Math.round(
              ((new Date(b.finishedAt).getTime() - new Date(b.startedAt).getTime()) / 60000) * 10,
            ) / 10
          : null,
      mib: d ? Math.round(d.artifacts.reduce((s, a) => s + a.sizeBytes, 0) / 1048576) : null,
    };
  });
  return (
    <Stack2>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="sm" data-testid="duration-trend">
          <Title order={6} mb="xs">
            Build duration (minutes)
          </Title>
          {data.length ? (
            <LineChart
              h={180}
              data={data}
              dataKey="build"
              series={[{ name: "minutes", color: "orange.6" }]}
              curveType="monotone"
              connectNulls
            />
          ) : (
            <Text c="dimmed" size="sm">
              No successful build yet.
            </Text>
          )}
        </Paper>
        <Paper withBorder p="sm" data-testid="size-trend">
          <Title order={6} mb="xs">
            Image size (MiB, all outputs)
          </Title>
          {data.length ? (
            <LineChart
              h={180}
              data={data}
              dataKey="build"
              series={[{ name: "mib", color: "blue.6", label: "MiB" }]}
              curveType="monotone"
              connectNulls
            />
          ) : (
            <Text c="dimmed" size="sm">
              No successful build yet.
            </Text>
          )}
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="sm">
        <Title order={6} mb="xs">
          Latest builds
        </Title>
        <Table verticalSpacing={2}>
          <Table.Tbody>
            {(recent.data?.items ?? []).map((b) => (
              <Table.Tr key={b.id}>
                <Table.Td>
                  <Anchor component={Link} href={`/builds/${b.id}`}>
                    #{b.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    <StatusBadge status={b.status} />
                    {b.waitingReason && b.status === "QUEUED" && (
                      <Text size="xs" c="dimmed">
                        {b.waitingReason}
                      </Text>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>v{b.recipe?.version}</Table.Td>
                <Table.Td>{formatAgo(b.queuedAt)}</Table.Td>
                <Table.Td>
                  {b.startedAt && b.finishedAt
                    ? formatDuration(
                        new Date(b.finishedAt).getTime() - new Date(b.startedAt).getTime(),
                      )
                    : "–"}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {recent.data?.items.length === 0 && (
          <Text c="dimmed" size="sm">
            Never built.
          </Text>
        )}
      </Paper>
    </Stack2>
  );
}

function Stack2({ children }: { children: React.ReactNode }) {
  return <div style={{ display: "flex", flexDirection: "column", gap: 16 }}>{children}</div>;
}
