"use client";
import { ActionIcon, Anchor, CopyButton, Group, Table, Text, Tooltip } from "@mantine/core";
import { formatBytes, shortSha } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type TArtifact = RouterOutputs["builds"]["get"]["artifacts"][number];

function Checksum({ value, label }: { value: string; label: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label={value}>
        <Text ff="monospace" size="xs">
          {shortSha(value, 16)}
        </Text>
      </Tooltip>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <ActionIcon size="xs" variant="subtle" onClick={copy} aria-label={`copy ${label}`}>
            {copied ? "✓" : "⧉"}
          </ActionIcon>
        )}
      </CopyButton>
    </Group>
  );
}

/** Images and other outputs, with checksums and download links (signed-in downloads only). */
export function ArtifactsTable({
  buildId,
  artifacts,
}: {
  buildId: string;
  artifacts: TArtifact[];
}) {
  if (!artifacts.length) return <Text c="dimmed">No artifacts.</Text>;
  return (
    <Table verticalSpacing="xs" data-testid="artifacts-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>File</Table.Th>
          <Table.Th>Type</Table.Th>
          <Table.Th ta="right">Size</Table.Th>
          <Table.Th>sha256</Table.Th>
          <Table.Th>md5</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {artifacts.map((a) => (
          <Table.Tr key={a.id}>
            <Table.Td>
              <Anchor
                href={`/api/builds/${buildId}/artifacts/${a.id}/${encodeURIComponent(a.fileName)}`}
                download={a.fileName}
                data-testid="artifact-download"
              >
                {a.fileName}
              </Anchor>
            </Table.Td>
            <Table.Td>{a.type}</Table.Td>
            <Table.Td ta="right">{formatBytes(a.sizeBytes)}</Table.Td>
            <Table.Td>
              <Checksum value={a.sha256} label="sha256" />
            </Table.Td>
            <Table.Td>
              <Checksum value={a.md5} label="md5" />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
