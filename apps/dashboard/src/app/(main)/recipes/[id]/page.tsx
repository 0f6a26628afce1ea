"use client";
import { Alert, Badge, Button, Group, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { PageHeader } from "@/components/page-header";
import { PanelTabs, type TPanelTab } from "@/components/panel-tabs";
import { QueryState } from "@/components/query-state";
import {
  formFromVersion,
  toVersionInput,
  type TRecipeForm,
} from "@/components/recipe/recipe-form-state";
import { RecipeHistory } from "@/components/recipe/recipe-history";
import { RecipeSaveForm } from "@/components/recipe/recipe-save-form";
import { RecipeSharedPools } from "@/components/recipe/recipe-shared-pools";
import { RecipeTrends } from "@/components/recipe/recipe-trends";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TRecipe = RouterOutputs["recipes"]["get"];
type TRecipeVersion = NonNullable<TRecipe["current"]>;

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
  const [tab, setTab] = useState<string | null>("overview");
  // The draft lives here, not in the Edit tab, so it survives a look at another tab.
  const draft = useRecipeDraft(r, () => setTab("overview"));
  const overview = (
    <Stack>
      {r.current ? (
        <VersionSummary version={r.current} />
      ) : (
        <Alert color="yellow">No version saved yet.</Alert>
      )}
      {r.current?.env.some((entry) => entry.secret) && (
        <RecipeSharedPools
          recipeId={r.id}
          allowSharedPools={r.allowSharedPools}
          canEdit={r.canEdit}
        />
      )}
      <RecipeTrends recipeId={r.id} />
    </Stack>
  );
  const edit = { value: "edit", label: "Edit", panel: <RecipeEdit recipe={r} draft={draft} /> };
  const tabs: TPanelTab[] = [
    { value: "overview", label: "Overview", panel: overview },
    ...(r.canEdit ? [edit] : []),
    { value: "history", label: "History", panel: <RecipeHistory recipeId={r.id} /> },
  ];
  return (
    <Stack>
      <RecipeHeader recipe={r} />
      <PanelTabs tabs={tabs} pt="md" value={tab} onChange={setTab} keepMounted={false} />
    </Stack>
  );
}

function RecipeHeader({ recipe: r }: { recipe: TRecipe }) {
  const trpc = useTRPC();
  const router = useRouter();
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
  return (
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
  );
}

/** The current version at a glance: elements, outputs, catalogs, agent labels, environment. */
function VersionSummary({ version: v }: { version: TRecipeVersion }) {
  const labels = Object.entries(v.agentLabels);
  return (
    <>
      <Text size="sm">
        <b>Elements:</b> {v.elements.join(" ")} · <b>outputs:</b> {v.outputTypes.join(", ")} ·{" "}
        <b>arch:</b> {v.arch}
        {v.imageSizeGb ? ` · ${v.imageSizeGb} GB` : ""}
      </Text>
      <Text size="sm">
        <b>Catalogs:</b>{" "}
        {v.catalogVersions.map((c) => `${c.catalogName}@${c.sha256.slice(0, 10)}`).join(" → ")}
      </Text>
      {labels.length > 0 && (
        <Text size="sm">
          <b>Needs agent labels:</b> {labels.map(([k, val]) => `${k}=${val}`).join(", ")}
        </Text>
      )}
      {v.env.length > 0 && (
        <Text size="sm" ff="monospace">
          {v.env.map((e) => `${e.name}=${e.secret ? "••••••" : e.value}`).join("  ")}
        </Text>
      )}
    </>
  );
}

/** The edited form and its save as the next version; `onSaved` after a save. */
function useRecipeDraft(r: TRecipe, onSaved: () => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<TRecipeForm | null>(
    r.current ? formFromVersion(r.current) : null,
  );
  const save = useMutation(
    trpc.recipes.save.mutationOptions({
      onSuccess: async (v) => {
        notifications.show({ color: "green", message: `Saved version ${v.version}` });
        await queryClient.invalidateQueries({ queryKey: trpc.recipes.pathKey() });
        onSaved();
      },
    }),
  );
  return { form, setForm, save };
}

/** Edit the current version and save it as the next one. */
function RecipeEdit({
  recipe: r,
  draft: { form, setForm, save },
}: {
  recipe: TRecipe;
  draft: ReturnType<typeof useRecipeDraft>;
}) {
  if (!form) return null;
  const baseVersion = r.latestVersion ?? 0;
  return (
    <Stack maw={960}>
      <RecipeSaveForm
        teamId={r.teamId}
        recipeId={r.id}
        form={form}
        onChange={setForm}
        error={save.error}
      >
        <Button
          onClick={() => save.mutate({ recipeId: r.id, baseVersion, ...toVersionInput(form) })}
          loading={save.isPending}
          data-testid="save-recipe"
        >
          Save as version {baseVersion + 1}
        </Button>
        <Button variant="default" onClick={() => r.current && setForm(formFromVersion(r.current))}>
          Discard changes
        </Button>
      </RecipeSaveForm>
    </Stack>
  );
}
