"use client";
import { Alert, Badge, Group, Select, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable, type TColumn } from "@/components/data-table";
import { formatTime } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TVersion = RouterOutputs["recipes"]["versions"][number];
type TRecipeDiff = RouterOutputs["recipes"]["diff"];

const VERSION_COLUMNS: TColumn<TVersion>[] = [
  { header: "Version", cell: (v) => `v${v.version}` },
  { header: "Saved", cell: (v) => formatTime(v.createdAt) },
  {
    header: "Message",
    cell: (v) =>
      v.message || (
        <Text c="dimmed" size="sm">
          –
        </Text>
      ),
  },
  { header: "Elements", cell: (v) => <Text size="xs">{v.elements.join(" ")}</Text> },
];

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
      <DataTable
        verticalSpacing={4}
        data-testid="recipe-versions"
        columns={VERSION_COLUMNS}
        rows={list}
        rowKey={(v) => v.id}
      />
      {list.length > 1 && (
        <>
          <Group>
            <VersionSelect label="From" options={options} value={fromV} onChange={setFrom} />
            <VersionSelect label="To" options={options} value={toV} onChange={setTo} />
          </Group>
          {diff.error && <Alert color="red">{diff.error.message}</Alert>}
          {diff.data && <RecipeDiff diff={diff.data} />}
        </>
      )}
    </Stack>
  );
}

function VersionSelect({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: { value: string; label: string }[];
  value: number;
  onChange: (version: string | null) => void;
}) {
  return (
    <Select
      label={label}
      data={options}
      value={String(value)}
      onChange={onChange}
      w={240}
      allowDeselect={false}
    />
  );
}

/** A line of the diff: green for what came, red for what went. */
function Change({ sign, children }: { sign: "+" | "−"; children: React.ReactNode }) {
  return (
    <Text c={sign === "+" ? "green" : "red"} size="sm">
      {sign} {children}
    </Text>
  );
}

const catalogList = (catalogs: TRecipeDiff["catalogs"]["from"]) =>
  catalogs.map((c) => `${c.catalogName}@${c.sha256.slice(0, 8)}`).join(", ");

function RecipeDiff({ diff }: { diff: TRecipeDiff }) {
  return (
    <Stack gap={4} data-testid="recipe-diff">
      {diff.elements.added.map((e) => (
        <Change key={`+${e}`} sign="+">
          element {e}
        </Change>
      ))}
      {diff.elements.removed.map((e) => (
        <Change key={`-${e}`} sign="−">
          element {e}
        </Change>
      ))}
      {diff.elements.orderChanged && <Text size="sm">element order changed</Text>}
      {diff.env.map((e) => (
        <EnvChange key={`env${e.name}`} change={e} />
      ))}
      {diff.outputTypes.added.map((t) => (
        <Change key={`o+${t}`} sign="+">
          output {t}
        </Change>
      ))}
      {diff.outputTypes.removed.map((t) => (
        <Change key={`o-${t}`} sign="−">
          output {t}
        </Change>
      ))}
      {diff.imageSizeGb && (
        <Text size="sm">
          image size {diff.imageSizeGb.from ?? "auto"} → {diff.imageSizeGb.to ?? "auto"} GB
        </Text>
      )}
      {diff.arch && (
        <Text size="sm">
          arch {diff.arch.from} → {diff.arch.to}
        </Text>
      )}
      {diff.agentLabels.map((l) => (
        <Text key={`l${l.key}`} size="sm">
          label {l.key}: {l.from ?? "(none)"} → {l.to ?? "(none)"}
        </Text>
      ))}
      {diff.catalogs.changed && (
        <Text size="sm">
          catalogs {catalogList(diff.catalogs.from)} → {catalogList(diff.catalogs.to)}
        </Text>
      )}
    </Stack>
  );
}

const ENV_COLORS: Record<string, string> = { added: "green", removed: "red" };

function EnvChange({ change: e }: { change: TRecipeDiff["env"][number] }) {
  const value =
    e.change === "changed" ? `: ${e.from} → ${e.to}` : e.to !== undefined ? `=${e.to}` : "";
  return (
    <Text size="sm" ff="monospace">
      <Badge size="xs" color={ENV_COLORS[e.change] ?? "blue"} mr={6}>
        {e.change}
      </Badge>
      {e.name}
      {e.secret ? " (secret)" : value}
    </Text>
  );
}
