"use client";
import { Badge, Text } from "@mantine/core";
import { DataTable, type TColumn } from "@/components/data-table";
import { formatDuration } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type THook = RouterOutputs["builds"]["get"]["hooks"][number];

/** Every hook that ran, slowest first, with its share of the build. */
export function HookTimings({ hooks }: { hooks: THook[] }) {
  const total = hooks.reduce((s, h) => s + h.durationMs, 0) || 1;
  const sorted = [...hooks].sort((a, b) => b.durationMs - a.durationMs);
  if (!hooks.length) return <Text c="dimmed">No hooks ran (yet).</Text>;
  const columns: TColumn<THook>[] = [
    { header: "Phase", cell: (h) => h.phase },
    { header: "Element", cell: (h) => h.element },
    {
      header: "Script",
      cell: (h) => (
        <Text ff="monospace" size="sm">
          {h.script}
        </Text>
      ),
    },
    {
      header: "Exit",
      cell: (h) => (
        <Badge color={h.exitCode === 0 ? "green" : "red"} variant="light">
          {h.exitCode}
        </Badge>
      ),
    },
    { header: "Duration", align: "right", cell: (h) => formatDuration(h.durationMs) },
    {
      header: "Share",
      align: "right",
      cell: (h) => `${((h.durationMs / total) * 100).toFixed(1)}%`,
    },
  ];
  return (
    <DataTable
      striped
      verticalSpacing={4}
      data-testid="hook-timings"
      columns={columns}
      rows={sorted}
      rowKey={(h) => h.seq}
    />
  );
}
