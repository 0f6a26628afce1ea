"use client";
import { Anchor, Badge, Button, Switch, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { formatAgo } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

export default function RecipesPage() {
  const trpc = useTRPC();
  const [q, setQ] = useState("");
  const [search] = useDebouncedValue(q, 250);
  const [archived, setArchived] = useState(false);
  const recipes = useQuery(
    trpc.recipes.list.queryOptions({ search: search || undefined, includeArchived: archived }),
  );
  const teams = useQuery(trpc.teams.list.queryOptions());
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
      <TextInput
        placeholder="Search recipes"
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        mb="xs"
        w={300}
      />
      <Switch
        label="Show archived"
        checked={archived}
        onChange={(e) => setArchived(e.currentTarget.checked)}
        mb="sm"
        size="xs"
      />
      <QueryState query={recipes}>
        {(list) =>
          list.length === 0 ? (
            <Text c="dimmed" p="lg">
              No recipes yet. A recipe names elements from catalogs, the environment and the outputs
              of an image.
            </Text>
          ) : (
            <Table striped highlightOnHover data-testid="recipes-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Team</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Visibility</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <Anchor component={Link} href={`/recipes/${r.id}`} fw={600}>
                        {r.name}
                      </Anchor>
                      {r.archivedAt && (
                        <Badge size="xs" color="gray" ml={6}>
                          archived
                        </Badge>
                      )}
                      {r.description && (
                        <Text size="xs" c="dimmed">
                          {r.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{teams.data?.find((t) => t.id === r.teamId)?.name ?? "–"}</Table.Td>
                    <Table.Td>{r.latestVersion ? `v${r.latestVersion}` : "–"}</Table.Td>
                    <Table.Td>{r.visibility}</Table.Td>
                    <Table.Td>{formatAgo(r.updatedAt ?? r.createdAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </>
  );
}
