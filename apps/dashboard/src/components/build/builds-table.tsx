"use client";
import { Anchor, Group, Text, Tooltip } from "@mantine/core";
import Link from "next/link";
import { DataTable, type TColumn } from "@/components/data-table";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo, formatDuration } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type TBuildRow = RouterOutputs["builds"]["list"]["items"][number];

/** The builds list: one row a build, with live status and why a queued one waits. */
export function BuildsTable({ builds, now }: { builds: TBuildRow[]; now: number }) {
  const columns: TColumn<TBuildRow>[] = [
    { header: "#", cell: (b) => <BuildNumber build={b} /> },
    { header: "Status", cell: (b) => <BuildStatus build={b} /> },
    { header: "Recipe", cell: (b) => <BuildRecipe build={b} /> },
    {
      header: "Elements",
      cell: (b) => (
        <Text size="xs" lineClamp={1} maw={240}>
          {b.elements.join(" ")}
        </Text>
      ),
    },
    { header: "Requested by", cell: (b) => <Text size="sm">{b.requestedBy?.email ?? "–"}</Text> },
    { header: "Agent", cell: (b) => <Text size="sm">{b.agent?.name ?? "–"}</Text> },
    {
      header: "Queued",
      cell: (b) => (
        <Tooltip label={new Date(b.queuedAt).toLocaleString()}>
          <Text size="sm">{formatAgo(b.queuedAt, now)}</Text>
        </Tooltip>
      ),
    },
    { header: "Duration", cell: (b) => <Text size="sm">{runningTime(b, now)}</Text> },
  ];
  return (
    <DataTable
      striped
      highlightOnHover
      verticalSpacing="xs"
      data-testid="builds-table"
      columns={columns}
      rows={builds}
      rowKey={(b) => b.id}
      rowProps={(b) => ({
        "data-testid": "build-row",
        "data-build-number": b.number,
        style: { opacity: b.deleted ? 0.5 : 1 },
      })}
    />
  );
}

/** How long the build ran, or has been running; "–" before it starts. */
function runningTime(build: TBuildRow, now: number): string {
  if (!build.startedAt) return "–";
  const end = build.finishedAt ? new Date(build.finishedAt).getTime() : now;
  return formatDuration(end - new Date(build.startedAt).getTime());
}

function BuildNumber({ build }: { build: TBuildRow }) {
  return (
    <>
      <Anchor component={Link} href={`/builds/${build.id}`} fw={600}>
        #{build.number}
      </Anchor>
      {build.pinned && (
        <Text span size="xs" c="orange" ml={4}>
          pinned
        </Text>
      )}
    </>
  );
}

function BuildStatus({ build }: { build: TBuildRow }) {
  return (
    <Group gap={6} wrap="nowrap">
      <StatusBadge status={build.status} />
      {build.status === "QUEUED" && build.waitingReason && (
        <Tooltip label={build.waitingReason} multiline w={300}>
          <Text size="xs" c="dimmed" lineClamp={1} maw={220} data-testid="waiting-reason">
            {build.waitingReason}
          </Text>
        </Tooltip>
      )}
    </Group>
  );
}

function BuildRecipe({ build }: { build: TBuildRow }) {
  if (!build.recipe)
    return (
      <Text size="sm" c="dimmed">
        ad-hoc
      </Text>
    );
  return (
    <Anchor component={Link} href={`/recipes/${build.recipe.id}`} size="sm">
      {build.recipe.name}
      {build.recipe.version !== null ? ` v${build.recipe.version}` : ""}
    </Anchor>
  );
}
