"use client";
import { Alert, Badge, Group, Select, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Every saved version, and the difference between any two. */
export function RecipeHistory({ recipeId }: { recipeId: string }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.recipes.versions.queryOptions({ recipeId }));
  const list = versions.data ?? [];
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const toV = Number(to ?? list[0]?.version ?? 0);
  const fromV = Number(from ?? list[1]?.version ?? 0);
  const diff = useQuery({
    ...trpc.recipes.diff.queryOptions({ recipeId, from: fromV, to: toV }),
    enabled: fromV > 0 && toV > 0 && fromV !== toV,
  });
  const options = list.map((v) => ({
    value: String(v.version),
    label: `v${v.version}${v.message ? ` · ${v.message}` : ""}`,
  }));
  return (
    <Stack>
      <Table verticalSpacing={4} data-testid="recipe-versions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Saved</Table.Th>
            <Table.Th>Message</Table.Th>
            <Table.Th>Elements</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((v) => (
            <Table.Tr key={v.id}>
              <Table.Td>v{v.version}</Table.Td>
              <Table.Td>{formatTime(v.createdAt)}</Table.Td>
              <Table.Td>
                {v.message || (
                  <Text c="dimmed" size="sm">
                    –
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="xs">{v.elements.join(" ")}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.length > 1 && (
        <>
          <Group>
            <Select
              label="From"
              data={options}
              value={String(fromV)}
              onChange={setFrom}
              w={240}
              allowDeselect={false}
            />
            <Select
              label="To"
              data={options}
              value={String(toV)}
              onChange={setTo}
              w={240}
              allowDeselect={false}
            />
          </Group>
          {diff.error && <Alert color="red">{diff.error.message}</Alert>}
          {diff.data && (
            <Stack gap={4} data-testid="recipe-diff">
              {diff.data.elements.added.map((e) => (
                <Text key={`+${e}`} c="green" size="sm">
                  + element {e}
                </Text>
              ))}
              {diff.data.elements.removed.map((e) => (
                <Text key={`-${e}`} c="red" size="sm">
                  − element {e}
                </Text>
              ))}
              {diff.data.elements.orderChanged && <Text size="sm">element order changed</Text>}
              {diff.data.env.map((e) => (
                <Text key={`env${e.name}`} size="sm" ff="monospace">
                  <Badge
                    size="xs"
                    color={e.change === "added" ? "green" : e.change === "removed" ? "red" : "blue"}
                    mr={6}
                  >
                    {e.change}
                  </Badge>
                  {e.name}
                  {e.secret
                    ? " (secret)"
                    : e.change === "changed"
                      ? `: ${e.from} → ${e.to}`
                      : e.to !== undefined
                        ? `=${e.to}`
                        : ""}
                </Text>
              ))}
              {diff.data.outputTypes.added.map((t) => (
                <Text key={`o+${t}`} c="green" size="sm">
                  + output {t}
                </Text>
              ))}
              {diff.data.outputTypes.removed.map((t) => (
                <Text key={`o-${t}`} c="red" size="sm">
                  − output {t}
                </Text>
              ))}
              {diff.data.imageSizeGb && (
                <Text size="sm">
                  image size {diff.data.imageSizeGb.from ?? "auto"} →{" "}
                  {diff.data.imageSizeGb.to ?? "auto"} GB
                </Text>
              )}
              {diff.data.arch && (
                <Text size="sm">
                  arch {diff.data.arch.from} → {diff.data.arch.to}
                </Text>
              )}
              {diff.data.agentLabels.map((l) => (
                <Text key={`l${l.key}`} size="sm">
                  label {l.key}: {l.from ?? "(none)"} → {l.to ?? "(none)"}
                </Text>
              ))}
              {diff.data.catalogs.changed && (
                <Text size="sm">
                  catalogs{" "}
                  {diff.data.catalogs.from
                    .map((c) => `${c.catalogName}@${c.sha256.slice(0, 8)}`)
                    .join(", ")}{" "}
                  →{" "}
                  {diff.data.catalogs.to
                    .map((c) => `${c.catalogName}@${c.sha256.slice(0, 8)}`)
                    .join(", ")}
                </Text>
              )}
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}
