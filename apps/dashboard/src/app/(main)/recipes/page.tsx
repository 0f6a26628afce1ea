"use client";
import { Badge, Button, Switch, Text, TextInput } from "@mantine/core";
import { useDebouncedValue, useInputState } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type TColumn } from "@/components/data-table";
import { NameCell } from "@/components/name-cell";
import { PageHeader } from "@/components/page-header";
import { QueryTable } from "@/components/query-table";
import { formatAgo } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TRecipe = RouterOutputs["recipes"]["list"][number];

function RecipeName({ recipe }: { recipe: TRecipe }) {
  const archived = recipe.archivedAt && (
    <Badge size="xs" color="gray" ml={6}>
      archived
    </Badge>
  );
  return (
    <NameCell
      href={`/recipes/${recipe.id}`}
      name={recipe.name}
      badge={archived}
      note={recipe.description}
    />
  );
}

const NO_RECIPES = (
  <Text c="dimmed" p="lg">
    No recipes yet. A recipe names elements from catalogs, the environment and the outputs of an
    image.
  </Text>
);

export default function RecipesPage() {
  const trpc = useTRPC();
  const [query, setQuery] = useInputState("");
  const [search] = useDebouncedValue(query, 250);
  const [archived, setArchived] = useInputState(false);
  const recipes = useQuery(
    trpc.recipes.list.queryOptions({ search: search || undefined, includeArchived: archived }),
  );
  const teams = useQuery(trpc.teams.list.queryOptions());
  const columns: TColumn<TRecipe>[] = [
    { header: "Name", cell: (r) => <RecipeName recipe={r} /> },
    { header: "Team", cell: (r) => teams.data?.find((t) => t.id === r.teamId)?.name ?? "–" },
    { header: "Version", cell: (r) => (r.latestVersion ? `v${r.latestVersion}` : "–") },
    { header: "Visibility", cell: (r) => r.visibility },
    { header: "Updated", cell: (r) => formatAgo(r.updatedAt ?? r.createdAt) },
  ];
  return (
    <>
      <PageHeader
        title="Recipes"
        subtitle="Named image definitions; every save is a new immutable version."
        actions={
          <Button component={Link} href="/recipes/new" data-testid="new-recipe">
            New recipe
          </Button>
        }
      />
      <TextInput placeholder="Search recipes" value={query} onChange={setQuery} mb="xs" w={300} />
      <Switch label="Show archived" checked={archived} onChange={setArchived} mb="sm" size="xs" />
      <QueryTable
        query={recipes}
        empty={NO_RECIPES}
        columns={columns}
        rowKey={(r) => r.id}
        data-testid="recipes-table"
      />
    </>
  );
}
