"use client";
import { Alert, Badge, Button, Group, Stack, Tabs, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { RecipeEditor } from "@/components/recipe/recipe-editor";
import {
  formFromVersion,
  toVersionInput,
  type TRecipeForm,
} from "@/components/recipe/recipe-form-state";
import { RecipeHistory } from "@/components/recipe/recipe-history";
import { RecipeTrends } from "@/components/recipe/recipe-trends";
import { errorField, useTRPC, type RouterOutputs } from "@/lib/trpc";

type TRecipe = RouterOutputs["recipes"]["get"];

export default function RecipePage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const recipe = useQuery(trpc.recipes.get.queryOptions({ recipeId: id }));
  return (
    <QueryState query={recipe}>
      {(r) => <RecipeView key={r.current?.id ?? r.id} recipe={r} />}
    </QueryState>
  );
}

function RecipeView({ recipe: r }: { recipe: TRecipe }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<string | null>("overview");
  const [form, setForm] = useState<TRecipeForm | null>(
    r.current ? formFromVersion(r.current) : null,
  );
  const buildNow = useMutation(
    trpc.builds.create.mutationOptions({
      onSuccess: (b) => router.push(`/builds/${b.id}`),
      onError: (err) =>
        notifications.show({
          color: "red",
          title: "Could not queue the build",
          message: err.message,
        }),
    }),
  );
  const save = useMutation(
    trpc.recipes.save.mutationOptions({
      onSuccess: async (v) => {
        notifications.show({ color: "green", message: `Saved version ${v.version}` });
        await queryClient.invalidateQueries({ queryKey: trpc.recipes.pathKey() });
        setTab("overview");
      },
    }),
  );
  const field = errorField(save.error);
  return (
    <Stack>
      <PageHeader
        title={
          <Group gap="sm">
            <span>{r.name}</span>
            {r.latestVersion && <Badge variant="light">v{r.latestVersion}</Badge>}
            <Badge variant="outline" color="gray">
              {r.visibility}
            </Badge>
            {r.archivedAt && <Badge color="gray">archived</Badge>}
          </Group>
        }
        subtitle={r.description}
        actions={
          r.current && (
            <Button
              onClick={() => buildNow.mutate({ recipeVersionId: r.current!.id })}
              loading={buildNow.isPending}
              disabled={!!r.archivedAt}
              data-testid="build-now"
            >
              Build now
            </Button>
          )
        }
      />
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          {r.canEdit && <Tabs.Tab value="edit">Edit</Tabs.Tab>}
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="md">
          <Stack>
            {r.current ? (
              <>
                <Text size="sm">
                  <b>Elements:</b> {r.current.elements.join(" ")} · <b>outputs:</b>{" "}
                  {r.current.outputTypes.join(", ")} · <b>arch:</b> {r.current.arch}
                  {r.current.imageSizeGb ? ` · ${r.current.imageSizeGb} GB` : ""}
                </Text>
                <Text size="sm">
                  <b>Catalogs:</b>{" "}
                  {r.current.catalogVersions
                    .map((c) => `${c.catalogName}@${c.sha256.slice(0, 10)}`)
                    .join(" → ")}
                </Text>
                {Object.keys(r.current.agentLabels).length > 0 && (
                  <Text size="sm">
                    <b>Needs agent labels:</b>{" "}
                    {Object.entries(r.current.agentLabels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(", ")}
                  </Text>
                )}
                {r.current.env.length > 0 && (
                  <Text size="sm" ff="monospace">
                    {r.current.env
                      .map((e) => `${e.name}=${e.secret ? "••••••" : e.value}`)
                      .join("  ")}
                  </Text>
                )}
              </>
            ) : (
              <Alert color="yellow">No version saved yet.</Alert>
            )}
            <RecipeTrends recipeId={r.id} />
          </Stack>
        </Tabs.Panel>
        {r.canEdit && (
          <Tabs.Panel value="edit" pt="md">
            {form && (
              <Stack maw={960}>
                <RecipeEditor
                  teamId={r.teamId}
                  recipeId={r.id}
                  form={form}
                  onChange={setForm}
                  saveError={save.error ? { message: save.error.message, field } : undefined}
                />
                {save.error && !field && <Alert color="red">{save.error.message}</Alert>}
                <Group>
                  <Button
                    onClick={() =>
                      save.mutate({
                        recipeId: r.id,
                        baseVersion: r.latestVersion ?? 0,
                        ...toVersionInput(form),
                      })
                    }
                    loading={save.isPending}
                    data-testid="save-recipe"
                  >
                    Save as version {(r.latestVersion ?? 0) + 1}
                  </Button>
                  <Button
                    variant="default"
                    onClick={() => r.current && setForm(formFromVersion(r.current))}
                  >
                    Discard changes
                  </Button>
                </Group>
              </Stack>
            )}
          </Tabs.Panel>
        )}
        <Tabs.Panel value="history" pt="md">
          <RecipeHistory recipeId={r.id} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
