"use client";
import { Anchor, Grid, Stack, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { DependencyGraph } from "@/components/catalog/dependency-graph";
import { ElementRelations } from "@/components/catalog/element-relations";
import { ElementTabs } from "@/components/catalog/element-tabs";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { useTRPC } from "@/lib/trpc";

function ElementView() {
  const { catalogId, name: rawName } = useParams<{ catalogId: string; name: string }>();
  const name = decodeURIComponent(rawName);
  const versionParam = useSearchParams().get("version");
  const trpc = useTRPC();
  const catalog = useQuery({
    ...trpc.catalogs.get.queryOptions({ catalogId }),
    enabled: !versionParam,
  });
  const versionId = versionParam ?? catalog.data?.versions[0]?.id;
  const element = useQuery({
    ...trpc.elements.get.queryOptions({ catalogVersionId: versionId ?? "", name }),
    enabled: !!versionId,
  });
  const href = (n: string) =>
    `/catalogs/${catalogId}/elements/${encodeURIComponent(n)}?version=${versionId}`;
  return (
    <QueryState query={element}>
      {(e) => (
        <>
          <PageHeader
            title={e.name}
            subtitle={
              <Anchor
                component={Link}
                href={`/catalogs/${catalogId}?version=${versionId}`}
                size="sm"
              >
                back to the catalog
              </Anchor>
            }
          />
          <Grid>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <Stack>
                <ElementRelations element={e} href={href} />
                <DependencyGraph graph={e.graph} focus={e.name} href={href} />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <ElementTabs element={e} />
              <Title order={6} mt="md" c="dimmed">
                {e.name} in catalog version {versionId}
              </Title>
            </Grid.Col>
          </Grid>
        </>
      )}
    </QueryState>
  );
}

export default function ElementPage() {
  return (
    <Suspense>
      <ElementView />
    </Suspense>
  );
}
