"use client";
import {
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Paper,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDisclosure, useInputState } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { ImportCatalogDialog } from "@/components/catalog/import-catalog-dialog";
import { type TColumn } from "@/components/data-table";
import { NameCell } from "@/components/name-cell";
import { PageHeader } from "@/components/page-header";
import { QueryTable } from "@/components/query-table";
import { QueryState } from "@/components/query-state";
import { formatBytes, formatTime, shortSha } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TCatalog = RouterOutputs["catalogs"]["get"];
type TElement = RouterOutputs["elements"]["list"][number];

function CatalogView() {
  const { catalogId } = useParams<{ catalogId: string }>();
  const params = useSearchParams();
  const router = useRouter();
  const trpc = useTRPC();
  const [opened, { open, close }] = useDisclosure();
  const catalog = useQuery(trpc.catalogs.get.queryOptions({ catalogId }));
  const versionId = params.get("version") ?? catalog.data?.versions[0]?.id;
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
              <CatalogVersions catalog={c} versionId={versionId} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <VersionElements catalogId={c.id} versionId={versionId} />
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

/** The catalog's versions, newest first; the one shown is bold. */
function CatalogVersions({ catalog, versionId }: { catalog: TCatalog; versionId?: string }) {
  return (
    <Paper withBorder p="sm">
      <Title order={5} mb="xs">
        Versions
      </Title>
      <Stack gap={4} data-testid="catalog-versions">
        {catalog.versions.map((v) => (
          <Anchor
            key={v.id}
            component={Link}
            href={`/catalogs/${catalog.id}?version=${v.id}`}
            underline="never"
            c={v.id === versionId ? undefined : "dimmed"}
            fw={v.id === versionId ? 700 : 400}
          >
            <Group gap={6} wrap="nowrap">
              <Text ff="monospace" size="sm">
                {shortSha(v.sha256)}
              </Text>
              <Text size="xs">
                {v.elementCount} elements · {formatBytes(v.sizeBytes)} · {formatTime(v.createdAt)}
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
  );
}

/** The elements of one catalog version, searchable. */
function VersionElements({ catalogId, versionId }: { catalogId: string; versionId?: string }) {
  const trpc = useTRPC();
  const [query, setQuery] = useInputState("");
  const [search] = useDebouncedValue(query, 200);
  const elements = useQuery({
    ...trpc.elements.list.queryOptions({
      catalogVersionId: versionId ?? "",
      search: search || undefined,
    }),
    enabled: !!versionId,
  });
  const elementHref = (name: string) =>
    `/catalogs/${catalogId}/elements/${encodeURIComponent(name)}?version=${versionId}`;
  const columns: TColumn<TElement>[] = [
    {
      header: "Element",
      cell: (e) => (
        <NameCell href={elementHref(e.name)} name={e.name} note={e.summary} noteLines={1} />
      ),
    },
    { header: "Depends on", cell: (e) => <Text size="xs">{e.deps.join(", ")}</Text> },
    { header: "Phases", cell: (e) => <Text size="xs">{e.phases.join(" ")}</Text> },
    { header: "Hooks", align: "right", cell: (e) => e.hookCount },
    { header: "Packages", align: "right", cell: (e) => e.packageCount },
    { header: "Lint", cell: (e) => <LintBadges element={e} /> },
  ];
  return (
    <>
      <TextInput placeholder="Search elements" value={query} onChange={setQuery} mb="xs" />
      <QueryTable
        query={elements}
        columns={columns}
        rowKey={(e) => e.name}
        verticalSpacing={4}
        data-testid="elements-table"
      />
    </>
  );
}

function LintBadges({ element }: { element: TElement }) {
  return (
    <>
      {element.lintErrors > 0 && (
        <Badge color="red" size="xs">
          {element.lintErrors} errors
        </Badge>
      )}
      {element.lintWarnings > 0 && (
        <Badge color="yellow" size="xs">
          {element.lintWarnings} warnings
        </Badge>
      )}
    </>
  );
}

export default function CatalogPage() {
  return (
    <Suspense>
      <CatalogView />
    </Suspense>
  );
}
