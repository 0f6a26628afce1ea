"use client";
import { Alert, Badge, Group, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import { formatBytes, formatDuration } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TDiff = RouterOutputs["builds"]["diff"];

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
      {diff.data && <DiffResult diff={diff.data} />}
    </Stack>
  );
}

function DiffResult({ diff }: { diff: TDiff }) {
  return (
    <>
      <Text size="sm" c="dimmed">
        From #{diff.a.number} to #{diff.b.number}. Duration {formatDuration(diff.durationMs.from)} →{" "}
        {formatDuration(diff.durationMs.to)}.
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <PackagesDiff packages={diff.packages} />
        <Stack gap="xs">
          <Title order={5}>Elements</Title>
          <ElementsDiff elements={diff.elements} />
          <Title order={5}>Environment</Title>
          <EnvironmentDiff environment={diff.environment} />
          <Title order={5}>Sizes</Title>
          <ChangeTable
            data-testid="diff-sizes"
            rows={diff.sizes.map((s) => ({ name: s.fileName, ...s }))}
            format={formatBytes}
          />
          <Title order={5}>Phase times</Title>
          <ChangeTable
            rows={diff.phases.map((p) => ({ name: p.phase, ...p }))}
            format={formatDuration}
          />
        </Stack>
      </SimpleGrid>
    </>
  );
}

/** One line of the package diff: a sign and colour for added, removed or changed. */
type TPackageLine = { key: string; label: string; color: string; version: React.ReactNode };

function packageLines(packages: TDiff["packages"]): TPackageLine[] {
  return [
    ...packages.added.map((p) => ({
      key: `a${p.name}`,
      label: `+ ${p.name}`,
      color: "green",
      version: p.version,
    })),
    ...packages.removed.map((p) => ({
      key: `r${p.name}`,
      label: `− ${p.name}`,
      color: "red",
      version: p.version,
    })),
    ...packages.changed.map((p) => ({
      key: `c${p.name}`,
      label: `~ ${p.name}`,
      color: "blue",
      version: `${p.from} → ${p.to}`,
    })),
  ];
}

const PACKAGE_COLUMNS: TColumn<TPackageLine>[] = [
  { td: (line) => ({ c: line.color }), cell: (line) => line.label },
  { td: MONO_CELL, cell: (line) => line.version },
];

function PackagesDiff({ packages }: { packages: TDiff["packages"] }) {
  return (
    <div>
      <Title order={5}>Packages</Title>
      <Group gap="xs" my={4}>
        <Badge color="green" variant="light">
          {packages.added.length} added
        </Badge>
        <Badge color="red" variant="light">
          {packages.removed.length} removed
        </Badge>
        <Badge color="blue" variant="light">
          {packages.changed.length} changed
        </Badge>
      </Group>
      <DataTable
        verticalSpacing={2}
        withHeader={false}
        data-testid="diff-packages"
        columns={PACKAGE_COLUMNS}
        rows={packageLines(packages)}
        rowKey={(line) => line.key}
      />
    </div>
  );
}

function ElementsDiff({ elements }: { elements: TDiff["elements"] }) {
  if (elements.added.length + elements.removed.length + elements.changed.length === 0)
    return (
      <Text size="sm" c="dimmed">
        same elements
      </Text>
    );
  return (
    <Text size="sm" component="div">
      {elements.added.map((e) => (
        <div key={`a${e}`} style={{ color: "var(--mantine-color-green-7)" }}>
          + {e}
        </div>
      ))}
      {elements.removed.map((e) => (
        <div key={`r${e}`} style={{ color: "var(--mantine-color-red-7)" }}>
          − {e}
        </div>
      ))}
      {elements.changed.map((e) => (
        <div key={`c${e.name}`}>
          ~ {e.name}: {e.from ?? "?"} → {e.to ?? "?"}
        </div>
      ))}
    </Text>
  );
}

type TEnvChange = TDiff["environment"][number];

const ENV_COLUMNS: TColumn<TEnvChange>[] = [
  { td: MONO_CELL, cell: (e) => e.name },
  { td: MONO_CELL, cell: (e) => `${e.from ?? "(unset)"} → ${e.to ?? "(unset)"}` },
];

function EnvironmentDiff({ environment }: { environment: TEnvChange[] }) {
  if (environment.length === 0)
    return (
      <Text size="sm" c="dimmed">
        same environment
      </Text>
    );
  return (
    <DataTable
      verticalSpacing={2}
      withHeader={false}
      columns={ENV_COLUMNS}
      rows={environment}
      rowKey={(e) => e.name}
    />
  );
}

/** A named value before and after, and the difference (sizes, phase times). */
type TChange = { name: string; from: number | null; to: number | null; delta: number | null };

function ChangeTable({
  rows,
  format,
  "data-testid": testId,
}: {
  rows: TChange[];
  /** Formats a value, and "–" for none. */
  format: (n: number | null) => string;
  "data-testid"?: string;
}) {
  const columns: TColumn<TChange>[] = [
    { cell: (row) => row.name },
    { cell: (row) => `${format(row.from)} → ${format(row.to)}` },
    { cell: (row) => <Delta value={row.delta} format={format} /> },
  ];
  return (
    <DataTable
      verticalSpacing={2}
      withHeader={false}
      data-testid={testId}
      columns={columns}
      rows={rows}
      rowKey={(row) => row.name}
    />
  );
}
