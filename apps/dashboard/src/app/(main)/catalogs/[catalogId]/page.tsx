"use client";
import {
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { ImportCatalogDialog } from "@/components/catalog/import-catalog-dialog";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { formatBytes, formatTime, shortSha } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

function CatalogView() {
  const { catalogId } = useParams<{ catalogId: string }>();
  const params = useSearchParams();
  const router = useRouter();
  const trpc = useTRPC();
  const [opened, { open, close }] = useDisclosure();
  const [q, setQ] = useState("");
  const [search] = useDebouncedValue(q, 200);
  const catalog = useQuery(trpc.catalogs.get.queryOptions({ catalogId }));
  const versionId = params.get("version") ?? catalog.data?.versions[0]?.id;
  const elements = useQuery({
    ...trpc.elements.list.queryOptions({
      catalogVersionId: versionId ?? "",
      search: search || undefined,
    }),
    enabled: !!versionId,
  });
  return (
    <QueryState query={catalog}>
      {(c) => (
        <>
          <PageHeader
            title={c.name}
            subtitle={`${c.sourceKind}${c.sourceUrl ? ` · ${c.sourceUrl}` : ""} · ${c.versions.length} version${c.versions.length === 1 ? "" : "s"}`}
            actions={
              c.sourceKind !== "builtin" && (
                <Button variant="default" onClick={open}>
                  Import new version
                </Button>
              )
            }
          />
          <Grid>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <Paper withBorder p="sm">
                <Title order={5} mb="xs">
                  Versions
                </Title>
                <Stack gap={4} data-testid="catalog-versions">
                  {c.versions.map((v) => (
                    <Anchor
                      key={v.id}
                      component={Link}
                      href={`/catalogs/${c.id}?version=${v.id}`}
                      underline="never"
                      c={v.id === versionId ? undefined : "dimmed"}
                      fw={v.id === versionId ? 700 : 400}
                    >
                      <Group gap={6} wrap="nowrap">
                        <Text ff="monospace" size="sm">
                          {shortSha(v.sha256)}
                        </Text>
                        <Text size="xs">
                          {v.elementCount} elements · {formatBytes(v.sizeBytes)} ·{" "}
                          {formatTime(v.createdAt)}
                        </Text>
                      </Group>
                      {v.origin && (
                        <Text size="xs" c="dimmed" truncate>
                          {v.origin}
                        </Text>
                      )}
                    </Anchor>
                  ))}
                </Stack>
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <TextInput
                placeholder="Search elements"
                value={q}
                onChange={(e) => setQ(e.currentTarget.value)}
                mb="xs"
              />
              <QueryState query={elements}>
                {(list) => (
                  <Table striped highlightOnHover verticalSpacing={4} data-testid="elements-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Element</Table.Th>
                        <Table.Th>Depends on</Table.Th>
                        <Table.Th>Phases</Table.Th>
                        <Table.Th ta="right">Hooks</Table.Th>
                        <Table.Th ta="right">Packages</Table.Th>
                        <Table.Th>Lint</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {list.map((e) => (
                        <Table.Tr key={e.name}>
                          <Table.Td>
                            <Anchor
                              component={Link}
                              href={`/catalogs/${c.id}/elements/${encodeURIComponent(e.name)}?version=${versionId}`}
                              fw={600}
                            >
                              {e.name}
                            </Anchor>
                            {e.summary && (
                              <Text size="xs" c="dimmed" lineClamp={1}>
                                {e.summary}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>
                            <Text size="xs">{e.deps.join(", ")}</Text>
                          </Table.Td>
                          <Table.Td>
                            <Text size="xs">{e.phases.join(" ")}</Text>
                          </Table.Td>
                          <Table.Td ta="right">{e.hookCount}</Table.Td>
                          <Table.Td ta="right">{e.packageCount}</Table.Td>
                          <Table.Td>
                            {e.lintErrors > 0 && (
                              <Badge color="red" size="xs">
                                {e.lintErrors} errors
                              </Badge>
                            )}
                            {e.lintWarnings > 0 && (
                              <Badge color="yellow" size="xs">
                                {e.lintWarnings} warnings
                              </Badge>
                            )}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </QueryState>
            </Grid.Col>
          </Grid>
          <ImportCatalogDialog
            opened={opened}
            onClose={close}
            catalogId={c.id}
            onImported={(r) => router.push(`/catalogs/${c.id}?version=${r.version.id}`)}
          />
        </>
      )}
    </QueryState>
  );
}

export default function CatalogPage() {
  return (
    <Suspense>
      <CatalogView />
    </Suspense>
  );
}
