"use client";
import { Badge, Table, Text } from "@mantine/core";
import { formatDuration } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type THook = RouterOutputs["builds"]["get"]["hooks"][number];

/** Every hook that ran, slowest first, with its share of the build. */
export function HookTimings({ hooks }: { hooks: THook[] }) {
  const total = hooks.reduce((s, h) => s + h.durationMs, 0) || 1;
  const sorted = [...hooks].sort((a, b) => b.durationMs - a.durationMs);
  if (!hooks.length) return <Text c="dimmed">No hooks ran (yet).</Text>;
  return (
    <Table striped verticalSpacing={4} data-testid="hook-timings">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Phase</Table.Th>
          <Table.Th>Element</Table.Th>
          <Table.Th>Script</Table.Th>
          <Table.Th>Exit</Table.Th>
          <Table.Th ta="right">Duration</Table.Th>
          <Table.Th ta="right">Share</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sorted.map((h) => (
          <Table.Tr key={h.seq}>
            <Table.Td>{h.phase}</Table.Td>
            <Table.Td>{h.element}</Table.Td>
            <Table.Td>
              <Text ff="monospace" size="sm">
                {h.script}
              </Text>
            </Table.Td>
            <Table.Td>
              <Badge color={h.exitCode === 0 ? "green" : "red"} variant="light">
                {h.exitCode}
              </Badge>
            </Table.Td>
            <Table.Td ta="right">{formatDuration(h.durationMs)}</Table.Td>
            <Table.Td ta="right">{((h.durationMs / total) * 100).toFixed(1)}%</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
