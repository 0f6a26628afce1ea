"use client";
import { Alert, Badge, Group, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatBytes, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

function Delta({ value, format }: { value: number | null; format: (n: number) => string }) {
  if (value === null || value === 0)
    return (
      <Text size="sm" c="dimmed">
        {value === 0 ? "same" : "–"}
      </Text>
    );
  return (
    <Text size="sm" c={value > 0 ? "red" : "green"}>
      {value > 0 ? "+" : "−"}
      {format(Math.abs(value))}
    </Text>
  );
}

/** Compare this build with another: packages, elements, environment, sizes, phase times. */
export function BuildDiff({
  buildId,
  recipeId,
  number,
}: {
  buildId: string;
  recipeId: string | null;
  number: number;
}) {
  const trpc = useTRPC();
  const candidates = useQuery(
    trpc.builds.list.queryOptions({ recipeId: recipeId ?? undefined, limit: 100 }),
  );
  const options = (candidates.data?.items ?? [])
    .filter((b) => b.id !== buildId)
    .map((b) => ({
      value: b.id,
      label: `#${b.number} · ${b.status.toLowerCase()}${b.recipe ? ` · ${b.recipe.name} v${b.recipe.version ?? "?"}` : ""}`,
    }));
  const [other, setOther] = useState<string | null>(null);
  const base = other ?? options[0]?.value ?? null;
  const diff = useQuery({
    ...trpc.builds.diff.queryOptions({ a: base ?? "", b: buildId }),
    enabled: !!base,
  });

  return (
    <Stack data-testid="build-diff">
      <Group>
        <Select
          label={`Compare #${number} against`}
          data={options}
          value={base}
          onChange={setOther}
          searchable
          w={360}
          placeholder={candidates.isLoading ? "loading…" : "no other build"}
          data-testid="diff-select"
        />
      </Group>
      {diff.error && <Alert color="red">{diff.error.message}</Alert>}
      {diff.data && (
        <>
          <Text size="sm" c="dimmed">
            From #{diff.data.a.number} to #{diff.data.b.number}. Duration{" "}
            {formatDuration(diff.data.durationMs.from)} → {formatDuration(diff.data.durationMs.to)}.
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <div>
              <Title order={5}>Packages</Title>
              <Group gap="xs" my={4}>
                <Badge color="green" variant="light">
                  {diff.data.packages.added.length} added
                </Badge>
                <Badge color="red" variant="light">
                  {diff.data.packages.removed.length} removed
                </Badge>
                <Badge color="blue" variant="light">
                  {diff.data.packages.changed.length} changed
                </Badge>
              </Group>
              <Table verticalSpacing={2} data-testid="diff-packages">
                <Table.Tbody>
                  {diff.data.packages.added.map((p) => (
                    <Table.Tr key={`a${p.name}`}>
                      <Table.Td c="green">+ {p.name}</Table.Td>
                      <Table.Td ff="monospace">{p.version}</Table.Td>
                    </Table.Tr>
                  ))}
                  {diff.data.packages.removed.map((p) => (
                    <Table.Tr key={`r${p.name}`}>
                      <Table.Td c="red">− {p.name}</Table.Td>
                      <Table.Td ff="monospace">{p.version}</Table.Td>
                    </Table.Tr>
                  ))}
                  {diff.data.packages.changed.map((p) => (
                    <Table.Tr key={`c${p.name}`}>
                      <Table.Td c="blue">~ {p.name}</Table.Td>
                      <Table.Td ff="monospace">
                        {p.from} → {p.to}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
            <Stack gap="xs">
              <Title order={5}>Elements</Title>
              {diff.data.elements.added.length +
                diff.data.elements.removed.length +
                diff.data.elements.changed.length ===
              0 ? (
                <Text size="sm" c="dimmed">
                  same elements
                </Text>
              ) : (
                <Text size="sm" component="div">
                  {diff.data.elements.added.map((e) => (
                    <div key={`a${e}`} style={{ color: "var(--mantine-color-green-7)" }}>
                      + {e}
                    </div>
                  ))}
                  {diff.data.elements.removed.map((e) => (
                    <div key={`r${e}`} style={{ color: "var(--mantine-color-red-7)" }}>
                      − {e}
                    </div>
                  ))}
                  {diff.data.elements.changed.map((e) => (
                    <div key={`c${e.name}`}>
                      ~ {e.name}: {e.from ?? "?"} → {e.to ?? "?"}
                    </div>
                  ))}
                </Text>
              )}
              <Title order={5}>Environment</Title>
              {diff.data.environment.length === 0 ? (
                <Text size="sm" c="dimmed">
                  same environment
                </Text>
              ) : (
                <Table verticalSpacing={2}>
                  <Table.Tbody>
                    {diff.data.environment.map((e) => (
                      <Table.Tr key={e.name}>
                        <Table.Td ff="monospace">{e.name}</Table.Td>
                        <Table.Td ff="monospace">
                          {e.from ?? "(unset)"} → {e.to ?? "(unset)"}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              <Title order={5}>Sizes</Title>
              <Table verticalSpacing={2} data-testid="diff-sizes">
                <Table.Tbody>
                  {diff.data.sizes.map((s) => (
                    <Table.Tr key={s.fileName}>
                      <Table.Td>{s.fileName}</Table.Td>
                      <Table.Td>
                        {formatBytes(s.from)} → {formatBytes(s.to)}
                      </Table.Td>
                      <Table.Td>
                        <Delta value={s.delta} format={formatBytes} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Title order={5}>Phase times</Title>
              <Table verticalSpacing={2}>
                <Table.Tbody>
                  {diff.data.phases.map((p) => (
                    <Table.Tr key={p.phase}>
                      <Table.Td>{p.phase}</Table.Td>
                      <Table.Td>
                        {formatDuration(p.from)} → {formatDuration(p.to)}
                      </Table.Td>
                      <Table.Td>
                        <Delta value={p.delta} format={formatDuration} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
