"use client";
import { Badge, Button, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ImportCatalogDialog } from "@/components/catalog/import-catalog-dialog";
import { MONO_CELL, type TColumn } from "@/components/data-table";
import { NameCell } from "@/components/name-cell";
import { PageHeader } from "@/components/page-header";
import { QueryTable } from "@/components/query-table";
import { formatAgo, shortSha } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TCatalog = RouterOutputs["catalogs"]["list"][number];

function CatalogName({ catalog }: { catalog: TCatalog }) {
  const isPublic = catalog.visibility === "public";
  return (
    <NameCell
      href={`/catalogs/${catalog.id}`}
      name={catalog.name}
      note={catalog.description}
      badge={
        isPublic && (
          <Badge size="xs" variant="light" ml={6}>
            public
          </Badge>
        )
      }
    />
  );
}

function catalogSource(catalog: TCatalog): string {
  const { sourceKind, sourceUrl, sourceRef } = catalog;
  if (!sourceUrl || sourceKind !== "git") return sourceKind;
  return `${sourceKind} · ${sourceUrl}${sourceRef ? `@${sourceRef}` : ""}`;
}

export default function CatalogsPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const [opened, { open, close }] = useDisclosure();
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const teams = useQuery(trpc.teams.list.queryOptions());
  const teamName = (id: string | null) =>
    id ? (teams.data?.find((t) => t.id === id)?.name ?? "another team") : "Kiln";
  const columns: TColumn<TCatalog>[] = [
    { header: "Name", cell: (c) => <CatalogName catalog={c} /> },
    { header: "Team", cell: (c) => teamName(c.teamId) },
    { header: "Source", cell: (c) => <Text size="sm">{catalogSource(c)}</Text> },
    { header: "Latest version", td: MONO_CELL, cell: (c) => shortSha(c.latestVersion?.sha256) },
    { header: "Elements", align: "right", cell: (c) => c.latestVersion?.elementCount ?? 0 },
    { header: "Imported", cell: (c) => formatAgo(c.latestVersion?.createdAt ?? c.createdAt) },
  ];
  return (
    <>
      <PageHeader
        title="Catalogs"
        subtitle="Element trees, each version immutable and named by the sha256 of its content."
        actions={
          <Button onClick={open} data-testid="open-import">
            Import catalog
          </Button>
        }
      />
      <QueryTable
        query={catalogs}
        columns={columns}
        rowKey={(c) => c.id}
        data-testid="catalogs-table"
      />
      <ImportCatalogDialog
        opened={opened}
        onClose={close}
        onImported={(r) => router.push(`/catalogs/${r.catalogId}?version=${r.version.id}`)}
      />
    </>
  );
}
