"use client";
import { Anchor, Badge, Button, Table, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { ImportCatalogDialog } from "@/components/catalog/import-catalog-dialog";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { formatAgo, shortSha } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

export default function CatalogsPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const [opened, { open, close }] = useDisclosure();
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const teams = useQuery(trpc.teams.list.queryOptions());
  const teamName = (id: string | null) =>
    id ? (teams.data?.find((t) => t.id === id)?.name ?? "another team") : "Kiln";
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
      <QueryState query={catalogs}>
        {(list) => (
          <Table striped highlightOnHover data-testid="catalogs-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th>Latest version</Table.Th>
                <Table.Th ta="right">Elements</Table.Th>
                <Table.Th>Imported</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Anchor component={Link} href={`/catalogs/${c.id}`} fw={600}>
                      {c.name}
                    </Anchor>
                    {c.visibility === "public" && (
                      <Badge size="xs" variant="light" ml={6}>
                        public
                      </Badge>
                    )}
                    {c.description && (
                      <Text size="xs" c="dimmed">
                        {c.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{teamName(c.teamId)}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {c.sourceKind}
                      {c.sourceUrl && c.sourceKind === "git"
                        ? ` · ${c.sourceUrl}${c.sourceRef ? `@${c.sourceRef}` : ""}`
                        : ""}
                    </Text>
                  </Table.Td>
                  <Table.Td ff="monospace">{shortSha(c.latestVersion?.sha256)}</Table.Td>
                  <Table.Td ta="right">{c.latestVersion?.elementCount ?? 0}</Table.Td>
                  <Table.Td>{formatAgo(c.latestVersion?.createdAt ?? c.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <ImportCatalogDialog
        opened={opened}
        onClose={close}
        onImported={(r) => router.push(`/catalogs/${r.catalogId}?version=${r.version.id}`)}
      />
    </>
  );
}
