"use client";
import { Text, TextInput } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import type { RouterOutputs } from "@/lib/trpc";

type TPackage = RouterOutputs["builds"]["get"]["manifest"][number];

const COLUMNS: TColumn<TPackage>[] = [
  { header: "Package", cell: (p) => p.name },
  { header: "Version", td: MONO_CELL, cell: (p) => p.version },
  { header: "Arch", cell: (p) => p.arch ?? "" },
];

/** The installed-package manifest, filterable. */
export function ManifestTable({ manifest }: { manifest: TPackage[] }) {
  const [filter, setFilter] = useInputState("");
  if (!manifest.length) return <Text c="dimmed">No package manifest recorded.</Text>;
  const shown = manifest.filter((p) => !filter || p.name.includes(filter.toLowerCase()));
  return (
    <>
      <TextInput
        placeholder={`Filter ${manifest.length} packages`}
        value={filter}
        onChange={setFilter}
        mb="xs"
        w={300}
      />
      <DataTable
        striped
        verticalSpacing={2}
        data-testid="manifest-table"
        columns={COLUMNS}
        rows={shown.slice(0, 2000)}
        rowKey={(p) => `${p.name}:${p.arch ?? ""}`}
      />
    </>
  );
}
