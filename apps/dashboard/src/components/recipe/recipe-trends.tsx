"use client";
import { LineChart } from "@mantine/charts";
import { Anchor, Group, Paper, SimpleGrid, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DataTable, type TColumn } from "@/components/data-table";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo, formatDuration } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TBuildRow = RouterOutputs["builds"]["list"]["items"][number];
type TPoint = { build: string; minutes: number | null; mib: number | null };

/** Duration and image size of the recipe's recent successful builds, and its latest builds. */
export function RecipeTrends({ recipeId }: { recipeId: string }) {
  const trpc = useTRPC();
  const recent = useQuery(trpc.builds.list.queryOptions({ recipeId, limit: 10 }));
  const points = useTrendPoints(recipeId);
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 16 }}>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TrendChart
          title="Build duration (minutes)"
          testId="duration-trend"
          points={points}
          series={{ name: "minutes", color: "orange.6" }}
        />
        <TrendChart
          title="Image size (MiB, all outputs)"
          testId="size-trend"
          points={points}
          series={{ name: "mib", color: "blue.6", label: "MiB" }}
        />
      </SimpleGrid>
      <Paper withBorder p="sm">
        <Title order={6} mb="xs">
          Latest builds
        </Title>
        <DataTable
          verticalSpacing={2}
          withHeader={false}
          columns={LATEST_COLUMNS}
          rows={recent.data?.items ?? []}
          rowKey={(b) => b.id}
        />
        {recent.data?.items.length === 0 && (
          <Text c="dimmed" size="sm">
            Never built.
          </Text>
        )}
      </Paper>
    </div>
  );
}

/** One point per recent successful build, oldest first: minutes taken and MiB of outputs. */
function useTrendPoints(recipeId: string): TPoint[] {
  const trpc = useTRPC();
  const ok = useQuery(
    trpc.builds.list.queryOptions({ recipeId, status: ["SUCCEEDED"], limit: 20 }),
  );
  const succeeded = [...(ok.data?.items ?? [])].reverse();
  // Sizes live on each build's artifacts: one batched request for the lot.
  const details = useQueries({
    queries: succeeded.map((b) => trpc.builds.get.queryOptions({ buildId: b.id })),
  });
  return succeeded.map((b, i) => {
    const artifacts = details[i]?.data?.artifacts;
    const ms = runMs(b);
    return {
      build: `#${b.number}`,
      minutes: ms === null ? null : Math.round((ms / 60000) * 10) / 10,
      mib: artifacts ? Math.round(artifacts.reduce((s, a) => s + a.sizeBytes, 0) / 1048576) : null,
    };
  });
}

/** How long a finished build ran; null when it has not both started and finished. */
function runMs(b: TBuildRow): number | null {
  if (!b.startedAt || !b.finishedAt) return null;
  return new Date(b.finishedAt).getTime() - new Date(b.startedAt).getTime();
}

function TrendChart({
  title,
  testId,
  points,
  series,
}: {
  title: string;
  testId: string;
  points: TPoint[];
  series: { name: keyof TPoint; color: string; label?: string };
}) {
  return (
    <Paper withBorder p="sm" data-testid={testId}>
      <Title order={6} mb="xs">
        {title}
      </Title>
      {points.length ? (
        <LineChart
          h={180}
          data={points}
          dataKey="build"
          series={[series]}
          curveType="monotone"
          connectNulls
        />
      ) : (
        <Text c="dimmed" size="sm">
          No successful build yet.
        </Text>
      )}
    </Paper>
  );
}

const LATEST_COLUMNS: TColumn<TBuildRow>[] = [
  {
    cell: (b) => (
      <Anchor component={Link} href={`/builds/${b.id}`}>
        #{b.number}
      </Anchor>
    ),
  },
  {
    cell: (b) => (
      <Group gap={6}>
        <StatusBadge status={b.status} />
        {b.waitingReason && b.status === "QUEUED" && (
          <Text size="xs" c="dimmed">
            {b.waitingReason}
          </Text>
        )}
      </Group>
    ),
  },
  { cell: (b) => `v${b.recipe?.version ?? ""}` },
  { cell: (b) => formatAgo(b.queuedAt) },
  {
    cell: (b) => {
      const ms = runMs(b);
      return ms === null ? "–" : formatDuration(ms);
    },
  },
];
