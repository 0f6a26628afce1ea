"use client";
import { Accordion, Alert, Anchor, Badge, Grid, Group, Paper, Stack, Table, Tabs, Text, Title, Typography } from "@mantine/core";
import { CodeHighlight } from "@mantine/code-highlight";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import ReactMarkdown from "react-markdown";
import { DependencyGraph } from "@/components/catalog/dependency-graph";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { useTRPC } from "@/lib/trpc";

function ElementView() {
  const { catalogId, name: rawName } = useParams<{ catalogId: string; name: string }>();
  const name = decodeURIComponent(rawName);
  const versionParam = useSearchParams().get("version");
  const trpc = useTRPC();
  const catalog = useQuery({ ...trpc.catalogs.get.queryOptions({ catalogId }), enabled: !versionParam });
  const versionId = versionParam ?? catalog.data?.versions[0]?.id;
  const element = useQuery({ ...trpc.elements.get.queryOptions({ catalogVersionId: versionId ?? "", name }), enabled: !!versionId });
  const href = (n: string) => `/catalogs/${catalogId}/elements/${encodeURIComponent(n)}?version=${versionId}`;
  return (
    <QueryState query={element}>
      {(e) => (
        <>
          <PageHeader
            title={e.name}
            subtitle={
              <Anchor component={Link} href={`/catalogs/${catalogId}?version=${versionId}`} size="sm">
                back to the catalog
              </Anchor>
            }
          />
          <Grid>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <Stack>
                <Paper withBorder p="sm">
                  <Group gap="xs" mb={4}>
                    <Text size="sm" fw={600}>
                      Depends on:
                    </Text>
                    {e.deps.length ? e.deps.map((d) => <Badge key={d} variant="light">{d}</Badge>) : <Text size="sm" c="dimmed">nothing</Text>}
                  </Group>
                  <Group gap="xs" mb={4}>
                    <Text size="sm" fw={600}>
                      Provides:
                    </Text>
                    {e.provides.length ? e.provides.map((d) => <Badge key={d} variant="outline">{d}</Badge>) : <Text size="sm" c="dimmed">nothing</Text>}
                  </Group>
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      Used by:
                    </Text>
                    {e.dependents.length ? (
                      e.dependents.map((d) => (
                        <Anchor key={d} component={Link} href={href(d)} size="sm">
                          {d}
                        </Anchor>
                      ))
                    ) : (
                      <Text size="sm" c="dimmed">
                        no element of this version
                      </Text>
                    )}
                  </Group>
                </Paper>
                <DependencyGraph graph={e.graph} focus={e.name} href={href} />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <Tabs defaultValue="readme">
                <Tabs.List>
                  <Tabs.Tab value="readme">README</Tabs.Tab>
                  <Tabs.Tab value="hooks">Hooks ({e.hooks.reduce((s, h) => s + h.scripts.length, 0)})</Tabs.Tab>
                  <Tabs.Tab value="env">Environment ({e.environment.length})</Tabs.Tab>
                  <Tabs.Tab value="packages">Packages ({e.packages.length})</Tabs.Tab>
                  <Tabs.Tab value="lint">Lint ({e.lint.length})</Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="readme" pt="sm" data-testid="element-readme">
                  {e.readme ? (
                    <Typography>
                      <ReactMarkdown>{e.readme}</ReactMarkdown>
                    </Typography>
                  ) : (
                    <Text c="dimmed">This element has no README.</Text>
                  )}
                </Tabs.Panel>
                <Tabs.Panel value="hooks" pt="sm">
                  <Accordion multiple defaultValue={e.hooks.slice(0, 1).map((h) => h.phase)} variant="separated">
                    {e.hooks.map((h) => (
                      <Accordion.Item key={h.phase} value={h.phase}>
                        <Accordion.Control>
                          {h.phase} <Text span c="dimmed" size="sm">({h.scripts.length})</Text>
                        </Accordion.Control>
                        <Accordion.Panel>
                          <Stack gap="sm">
                            {h.scripts.map((s) => (
                              <div key={s.name}>
                                <Text ff="monospace" size="sm" fw={600}>
                                  {h.phase}/{s.name}
                                  {s.truncated ? " (truncated)" : ""}
                                </Text>
                                {s.source === null ? <Text size="sm" c="dimmed">binary or unreadable</Text> : <CodeHighlight code={s.source} language="bash" withCopyButton />}
                              </div>
                            ))}
                          </Stack>
                        </Accordion.Panel>
                      </Accordion.Item>
                    ))}
                  </Accordion>
                  {!e.hooks.length && <Text c="dimmed">No hooks.</Text>}
                </Tabs.Panel>
                <Tabs.Panel value="env" pt="sm">
                  <Stack gap="sm">
                    {e.environment.map((s) => (
                      <div key={s.name}>
                        <Text ff="monospace" size="sm" fw={600}>
                          environment.d/{s.name}
                        </Text>
                        {s.source !== null && <CodeHighlight code={s.source} language="bash" />}
                      </div>
                    ))}
                    {!e.environment.length && <Text c="dimmed">No environment.d files.</Text>}
                  </Stack>
                </Tabs.Panel>
                <Tabs.Panel value="packages" pt="sm">
                  <Table verticalSpacing={2}>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Package</Table.Th>
                        <Table.Th>Phase</Table.Th>
                        <Table.Th>Action</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {e.packages.map((p) => (
                        <Table.Tr key={`${p.name}-${p.phase}-${p.action}`}>
                          <Table.Td>{p.name}</Table.Td>
                          <Table.Td>{p.phase}</Table.Td>
                          <Table.Td>{p.action}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                  {!e.packages.length && <Text c="dimmed">No package-installs.</Text>}
                </Tabs.Panel>
                <Tabs.Panel value="lint" pt="sm">
                  {e.lint.length === 0 ? (
                    <Alert color="green">No lint findings.</Alert>
                  ) : (
                    <Table verticalSpacing={2}>
                      <Table.Tbody>
                        {e.lint.map((f, i) => (
                          <Table.Tr key={i}>
                            <Table.Td>
                              <Badge color={f.severity === "error" ? "red" : "yellow"} size="sm">
                                {f.severity}
                              </Badge>
                            </Table.Td>
                            <Table.Td ff="monospace">
                              {f.file || "."}
                              {f.line ? `:${f.line}` : ""}
                            </Table.Td>
                            <Table.Td ff="monospace">{f.rule}</Table.Td>
                            <Table.Td>{f.message}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  )}
                </Tabs.Panel>
              </Tabs>
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
