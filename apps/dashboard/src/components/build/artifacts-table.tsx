"use client";
import { ActionIcon, Anchor, CopyButton, Group, Text, Tooltip } from "@mantine/core";
import { DataTable, type TColumn } from "@/components/data-table";
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
  const columns: TColumn<TArtifact>[] = [
    {
      header: "File",
      cell: (a) => (
        <Anchor
          href={`/api/builds/${buildId}/artifacts/${a.id}/${encodeURIComponent(a.fileName)}`}
          download={a.fileName}
          data-testid="artifact-download"
        >
          {a.fileName}
        </Anchor>
      ),
    },
    { header: "Type", cell: (a) => a.type },
    { header: "Size", align: "right", cell: (a) => formatBytes(a.sizeBytes) },
    { header: "sha256", cell: (a) => <Checksum value={a.sha256} label="sha256" /> },
    { header: "md5", cell: (a) => <Checksum value={a.md5} label="md5" /> },
  ];
  return (
    <DataTable
      verticalSpacing="xs"
      data-testid="artifacts-table"
      columns={columns}
      rows={artifacts}
      rowKey={(a) => a.id}
    />
  );
}
