"use client";
import { Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import type { RouterOutputs } from "@/lib/trpc";

type TPackage = RouterOutputs["builds"]["get"]["manifest"][number];

/** The installed-package manifest, filterable. */
export function ManifestTable({ manifest }: { manifest: TPackage[] }) {
  const [q, setQ] = useState("");
  if (!manifest.length) return <Text c="dimmed">No package manifest recorded.</Text>;
  const shown = manifest.filter((p) => !q || p.name.includes(q.toLowerCase()));
  return (
    <>
      <TextInput
        placeholder={`Filter ${manifest.length} packages`}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        mb="xs"
        w={300}
      />
      <Table striped verticalSpacing={2} data-testid="manifest-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Package</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Arch</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.slice(0, 2000).map((p) => (
            <Table.Tr key={`${p.name}:${p.arch ?? ""}`}>
              <Table.Td>{p.name}</Table.Td>
              <Table.Td ff="monospace">{p.version}</Table.Td>
              <Table.Td>{p.arch ?? ""}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
